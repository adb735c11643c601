package org.otherworld.agent.images;

/**
 * Kinds of open files the writer can express. {@link #REGULAR}, {@link #DIRECTORY} and
 * {@link #CHAR_DEVICE} are CRIU "regular files" (FD_TYPES REG, reg_file_entry): CRIU reopens them by
 * path. The other kinds carry a {@link FileDetail} of the type {@link #detail()} names.
 */
public enum FileKind {
    /** A regular file; its size is recorded and checked by criu restore. */
    REGULAR(null),
    /** A directory (also used for cwd and root). */
    DIRECTORY(null),
    /** A character device without special state, e.g. /dev/null, /dev/zero, /dev/urandom. */
    CHAR_DEVICE(null),
    /** An AF_UNIX socket (FD_TYPES UNIXSK, unix_sk_entry, queued messages in sk-queues.img); see {@link UnixSocketImage}. */
    UNIX_SOCKET(UnixSocketImage.class),
    /** One end of an anonymous pipe (FD_TYPES PIPE, pipe_entry); see {@link PipeImage}. */
    PIPE(PipeImage.class),
    /** An open FIFO (FD_TYPES FIFO, fifo_entry plus a reg_file_entry with its path); see {@link PipeImage}. */
    FIFO(PipeImage.class),
    /** An AF_INET/AF_INET6 TCP or UDP socket (FD_TYPES INETSK, inet_sk_entry); see {@link InetSocketImage}. */
    INET_SOCKET(InetSocketImage.class),
    /** An eventfd (FD_TYPES EVENTFD, eventfd_file_entry); see {@link EventfdImage}. */
    EVENTFD(EventfdImage.class),
    /** An epoll instance (FD_TYPES EVENTPOLL, eventpoll_file_entry); see {@link EpollImage}. */
    EPOLL(EpollImage.class),
    /** A timerfd (FD_TYPES TIMERFD, timerfd_entry); see {@link TimerfdImage}. */
    TIMERFD(TimerfdImage.class),
    /** A signalfd (FD_TYPES SIGNALFD, signalfd_entry); see {@link SignalfdImage}. */
    SIGNALFD(SignalfdImage.class),
    /** An inotify instance (FD_TYPES INOTIFY, inotify_file_entry); see {@link InotifyImage}. */
    INOTIFY(InotifyImage.class),
    /** One end of a Unix98 pty pair (FD_TYPES TTY, tty_file_entry plus a reg_file_entry with its path); see {@link TtyImage}. */
    TTY(TtyImage.class);

    private final Class<? extends FileDetail> detail;

    FileKind(Class<? extends FileDetail> detail) {
        this.detail = detail;
    }

    /** The type of {@link FileImage#detail()} this kind carries; null: none (reopened by path). */
    public Class<? extends FileDetail> detail() {
        return detail;
    }
}
