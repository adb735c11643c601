package org.otherworld.agent.images;

/**
 * One open file description (file_entry + reg_file_entry, unix_sk_entry for a socket, pipe_entry or
 * fifo_entry for a pipe, in files.img). Descriptors sharing a description (dup) must share the same
 * {@code FileImage} instance: the writer assigns ids by identity.
 *
 * @param kind   what the path names
 * @param path   absolute path (for a socket its /proc name "socket:[INO]", for a pipe "pipe:[INO]",
 *               both informational; for a FIFO the path it is reopened by)
 * @param flags  open(2) flags (f_flags), e.g. O_RDWR|O_APPEND|O_LARGEFILE
 * @param pos    file position
 * @param size   file size at crash time (checked by criu restore for REGULAR files)
 * @param mode   st_mode (type and permission bits); 0 if unknown
 * @param detail the object restore rebuilds, of the type {@code kind.detail()} names; null for kinds
 *               reopened by path
 */
public record FileImage(FileKind kind, String path, int flags, long pos, long size, int mode, FileDetail detail) {
    public FileImage {
        Class<? extends FileDetail> want = kind.detail();
        if (want == null ? detail != null : !want.isInstance(detail)) {
            throw new IllegalArgumentException("file " + path + ": kind " + kind + " and " + detail + " do not match");
        }
    }

    /** The unix socket of a {@link FileKind#UNIX_SOCKET}, else null. */
    public UnixSocketImage socket() {
        return detail instanceof UnixSocketImage s ? s : null;
    }

    /** The pipe of a {@link FileKind#PIPE} or {@link FileKind#FIFO}, else null. */
    public PipeImage pipe() {
        return detail instanceof PipeImage p ? p : null;
    }

    /** The socket of a {@link FileKind#INET_SOCKET}, else null. */
    public InetSocketImage inet() {
        return detail instanceof InetSocketImage s ? s : null;
    }

    /** The pty end of a {@link FileKind#TTY}, else null. */
    public TtyImage tty() {
        return detail instanceof TtyImage t ? t : null;
    }

    /** A file reopened by path (no socket). */
    public FileImage(FileKind kind, String path, int flags, long pos, long size, int mode) {
        this(kind, path, flags, pos, size, mode, null);
    }

    /** A TCP or UDP socket with open flags {@code flags}. */
    public static FileImage inetSocket(InetSocketImage socket, int flags) {
        return new FileImage(FileKind.INET_SOCKET, socket.procName(), flags, 0, 0, 0, socket);
    }

    /** A unix socket with open flags {@code flags} (O_RDWR, O_NONBLOCK ...). */
    public static FileImage unixSocket(UnixSocketImage socket, int flags) {
        return new FileImage(FileKind.UNIX_SOCKET, socket.procName(), flags, 0, 0, 0, socket);
    }

    /** One end of an anonymous pipe with open flags {@code flags} (O_RDONLY or O_WRONLY, O_NONBLOCK ...). */
    public static FileImage pipe(PipeImage pipe, int flags) {
        return new FileImage(FileKind.PIPE, "pipe:[" + pipe.pipeId() + "]", flags, 0, 0, 0, pipe);
    }

    /** An open FIFO at absolute {@code path} with open flags {@code flags} and st_mode {@code mode}. */
    public static FileImage fifo(PipeImage pipe, String path, int flags, int mode) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("FIFO " + pipe.pipeId() + ": path must be absolute: " + path);
        }
        return new FileImage(FileKind.FIFO, path, flags, 0, 0, mode, pipe);
    }

    /**
     * One end of a pty pair opened at absolute {@code path} (/dev/ptmx or /dev/pts/N, as the process opened
     * it) with open flags {@code flags} and st_mode {@code mode} (0 if unknown).
     */
    public static FileImage tty(TtyImage tty, String path, int flags, int mode) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("pty " + tty.index() + ": path must be absolute: " + path);
        }
        return new FileImage(FileKind.TTY, path, flags, 0, 0, mode, tty);
    }
}
