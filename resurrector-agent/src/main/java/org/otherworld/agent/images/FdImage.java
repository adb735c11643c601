package org.otherworld.agent.images;

/**
 * One descriptor of a process (fdinfo_entry).
 *
 * @param fd       the descriptor number
 * @param cloexec  FD_CLOEXEC set
 * @param file     the open file description it refers to
 */
public record FdImage(int fd, boolean cloexec, FileImage file) {
    /** FD_CLOEXEC as stored in fdinfo_entry.flags. */
    public static final int FD_CLOEXEC = 1;
}
