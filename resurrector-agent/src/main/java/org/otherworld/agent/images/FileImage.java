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
 * @param socket the socket for {@link FileKind#UNIX_SOCKET}, else null
 * @param pipe   the pipe for {@link FileKind#PIPE} and {@link FileKind#FIFO}, else null
 * @param inet   the socket for {@link FileKind#INET_SOCKET}, else null
 */
public record FileImage(FileKind kind, String path, int flags, long pos, long size, int mode, UnixSocketImage socket,
                        PipeImage pipe, InetSocketImage inet) {
    public FileImage {
        if ((kind == FileKind.INET_SOCKET) != (inet != null)) {
            throw new IllegalArgumentException("file " + path + ": kind " + kind + " and inet socket do not match");
        }
        if ((kind == FileKind.UNIX_SOCKET) != (socket != null)) {
            throw new IllegalArgumentException("file " + path + ": kind " + kind + " and socket " + socket
                    + " do not match");
        }
        if ((kind == FileKind.PIPE || kind == FileKind.FIFO) != (pipe != null)) {
            throw new IllegalArgumentException("file " + path + ": kind " + kind + " and pipe " + pipe
                    + " do not match");
        }
    }

    /** A file reopened by path (no socket). */
    public FileImage(FileKind kind, String path, int flags, long pos, long size, int mode) {
        this(kind, path, flags, pos, size, mode, null, null, null);
    }

    /** A TCP or UDP socket with open flags {@code flags}. */
    public static FileImage inetSocket(InetSocketImage socket, int flags) {
        return new FileImage(FileKind.INET_SOCKET, socket.procName(), flags, 0, 0, 0, null, null, socket);
    }

    /** A unix socket with open flags {@code flags} (O_RDWR, O_NONBLOCK ...). */
    public static FileImage unixSocket(UnixSocketImage socket, int flags) {
        return new FileImage(FileKind.UNIX_SOCKET, socket.procName(), flags, 0, 0, 0, socket, null, null);
    }

    /** One end of an anonymous pipe with open flags {@code flags} (O_RDONLY or O_WRONLY, O_NONBLOCK ...). */
    public static FileImage pipe(PipeImage pipe, int flags) {
        return new FileImage(FileKind.PIPE, "pipe:[" + pipe.pipeId() + "]", flags, 0, 0, 0, null, pipe, null);
    }

    /** An open FIFO at absolute {@code path} with open flags {@code flags} and st_mode {@code mode}. */
    public static FileImage fifo(PipeImage pipe, String path, int flags, int mode) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("FIFO " + pipe.pipeId() + ": path must be absolute: " + path);
        }
        return new FileImage(FileKind.FIFO, path, flags, 0, 0, mode, null, pipe, null);
    }
}
