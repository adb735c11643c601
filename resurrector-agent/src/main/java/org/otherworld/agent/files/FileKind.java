package org.otherworld.agent.files;

/** What kind of object an open file refers to, as far as restoring it is concerned. */
public enum FileKind {
    /** A regular file of a real filesystem (ext4, xfs, tmpfs ...). */
    REGULAR,
    /** A directory. */
    DIRECTORY,
    /** A symbolic link opened with O_PATH. */
    SYMLINK,
    /** A character device (not a pty). */
    CHAR_DEVICE,
    /** A block device. */
    BLOCK_DEVICE,
    /** A named pipe (S_IFIFO inode on a real filesystem). */
    FIFO,
    /** An anonymous pipe (pipefs). */
    PIPE,
    /** A socket (sockfs). */
    SOCKET,
    /** eventfd. */
    EVENTFD,
    /** epoll instance. */
    EPOLL,
    /** timerfd. */
    TIMERFD,
    /** signalfd. */
    SIGNALFD,
    /** inotify instance. */
    INOTIFY,
    /** fanotify instance. */
    FANOTIFY,
    /** memfd_create() file (shmem file named "memfd:NAME"). */
    MEMFD,
    /** A SysV shared memory attach file (shm_file_operations). */
    SYSV_SHM,
    /** A pseudo terminal: /dev/ptmx master or a /dev/pts slave (majors 136-143). */
    PTY,
    /** Any other anon_inode file (pidfd, io_uring, userfaultfd, bpf ...). */
    ANON_INODE_OTHER,
    /** Not recognised. */
    UNKNOWN
}
