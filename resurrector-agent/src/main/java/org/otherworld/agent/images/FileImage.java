package org.otherworld.agent.images;

/**
 * One open file description (file_entry + reg_file_entry in files.img). Descriptors sharing a
 * description (dup) must share the same {@code FileImage} instance: the writer assigns ids by identity.
 *
 * @param kind   what the path names
 * @param path   absolute path
 * @param flags  open(2) flags (f_flags), e.g. O_RDWR|O_APPEND|O_LARGEFILE
 * @param pos    file position
 * @param size   file size at crash time (checked by criu restore for REGULAR files)
 * @param mode   st_mode (type and permission bits); 0 if unknown
 */
public record FileImage(FileKind kind, String path, int flags, long pos, long size, int mode) {
}
