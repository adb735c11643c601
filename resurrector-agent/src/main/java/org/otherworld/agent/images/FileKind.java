package org.otherworld.agent.images;

/**
 * Kinds of open files the writer can express. All but {@link #UNIX_SOCKET} are CRIU "regular files"
 * (FD_TYPES REG, reg_file_entry): CRIU reopens them by path. Pipes, stateful sockets, ttys, eventfds
 * etc. are not supported.
 */
public enum FileKind {
    /** A regular file; its size is recorded and checked by criu restore. */
    REGULAR,
    /** A directory (also used for cwd and root). */
    DIRECTORY,
    /** A character device without special state, e.g. /dev/null, /dev/zero, /dev/urandom. */
    CHAR_DEVICE,
    /** A stateless AF_UNIX socket (FD_TYPES UNIXSK, unix_sk_entry); see {@link UnixSocketImage}. */
    UNIX_SOCKET,
    /** An AF_INET/AF_INET6 TCP or UDP socket (FD_TYPES INETSK, inet_sk_entry); see {@link InetSocketImage}. */
    INET_SOCKET
}
