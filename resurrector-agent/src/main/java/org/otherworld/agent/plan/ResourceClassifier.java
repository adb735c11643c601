package org.otherworld.agent.plan;

import java.util.Optional;
import java.util.Set;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.files.SocketInfo;
import org.otherworld.agent.images.FileDetail;
import org.otherworld.agent.images.FileKind;
import org.otherworld.agent.images.InetSocketImage;
import org.otherworld.agent.images.PipeImage;
import org.otherworld.agent.images.TtyImage;
import org.otherworld.agent.images.UnixSocketImage;
import org.otherworld.agent.net.InetSocketRead;
import org.otherworld.agent.task.Vma;
import org.otherworld.agent.task.VmaFlags;

/**
 * Sorts a dead process's resources into what the image writer restores and what is reported as an
 * unrestored resource (descriptors) or prevents the resurrection (memory that cannot be rebuilt).
 *
 * <p>Restored descriptors: regular files and directories of persistent filesystems (and of the boot
 * image's {@code rootfs}, which the fresh kernel unpacks again identically), and the stateless
 * character devices of major 1 ({@code /dev/null}, {@code zero}, {@code full}, {@code random},
 * {@code urandom}), AF_UNIX sockets ({@link UnixSocketFacts#whyUnrestorable()}; a connected one only with its
 * peer in the same image set, see {@link UnixPeers}), pipes and FIFOs
 * (on persistent filesystems) whose ring could be read ({@link PipeFacts}), Unix98 pty ends whose pair read
 * consistently ({@link TtyFacts}; only with the other end and the session leader in the same image set, see
 * {@link TtyPeers}). Memory: anonymous private memory (heap, stacks), [vdso]/[vvar]/[vsyscall], private
 * and shared mappings of files on such filesystems. Everything else is unrestored; memory that cannot be
 * rebuilt (SysV shared memory of the initial IPC namespace, shared anonymous memory, memfd or tmpfs
 * mappings, deleted files) is a blocker, because the program would fault on it. SysV shared memory of an
 * IPC namespace of the process's own is restored with that namespace.
 */
public final class ResourceClassifier {
    /** Filesystems whose files survive the crash (they write back to storage). */
    public static final Set<String> PERSISTENT_FS = Set.of("ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "vfat",
            "msdos", "exfat", "ntfs", "ntfs3", "jfs", "reiserfs", "nfs", "nfs4", "cifs", "smb3", "9p", "fuseblk",
            "iso9660", "squashfs", "erofs");
    /** The boot image's root filesystem: the fresh kernel unpacks the same initramfs into it. */
    public static final String ROOTFS = "rootfs";
    /** Major number of the memory devices (/dev/null, zero, full, random, urandom: minors 3, 5, 7, 8, 9). */
    public static final int MEM_MAJOR = 1;
    private static final Set<Integer> STATELESS_MEM_MINORS = Set.of(3, 5, 7, 8, 9);
    /** What d_path() appends to an unlinked file's path. */
    public static final String DELETED = " (deleted)";

    private ResourceClassifier() {
    }

    /**
     * The decision for one descriptor: exactly one of {@code restoreAs} and {@code unrestored} is set.
     *
     * @param file       the descriptor
     * @param restoreAs  how the image writer restores it, or null
     * @param unrestored what the report says about it, or null
     * @param detail     the object the image writer rebuilds, of the type {@code restoreAs.detail()}
     *                   names (a socket, a pipe ...), else null
     */
    public record FdDecision(OpenFile file, FileKind restoreAs, UnrestoredResource unrestored, FileDetail detail) {
        public FdDecision(OpenFile file, FileKind restoreAs, UnrestoredResource unrestored) {
            this(file, restoreAs, unrestored, null);
        }

        /** The unix socket a restored UNIX_SOCKET descriptor is written as, else null. */
        public UnixSocketImage socket() {
            return detail instanceof UnixSocketImage u ? u : null;
        }

        /** The pty end a restored TTY descriptor is written as, else null. */
        public TtyImage tty() {
            return detail instanceof TtyImage t ? t : null;
        }

        /** The image of a restored descriptor (shared by the dups of one struct file within a process). */
        public org.otherworld.agent.images.FileImage image() {
            return switch (restoreAs) {
                case UNIX_SOCKET -> org.otherworld.agent.images.FileImage.unixSocket((UnixSocketImage) detail,
                        file.flags());
                case INET_SOCKET -> org.otherworld.agent.images.FileImage.inetSocket((InetSocketImage) detail,
                        file.flags());
                case PIPE -> org.otherworld.agent.images.FileImage.pipe((PipeImage) detail, file.flags());
                case TTY -> org.otherworld.agent.images.FileImage.tty((TtyImage) detail, file.path(), file.flags(),
                        file.iMode());
                case FIFO -> org.otherworld.agent.images.FileImage.fifo((PipeImage) detail, file.path(), file.flags(),
                        file.iMode());
                default -> new org.otherworld.agent.images.FileImage(restoreAs, file.path(), file.flags(), file.pos(),
                        file.size(), file.iMode(), detail);
            };
        }

        public boolean restored() {
            return restoreAs != null;
        }
    }

    /** Whether files of filesystem {@code fsType} are there again after the restart. */
    public static boolean survives(String fsType) {
        return fsType != null && (PERSISTENT_FS.contains(fsType) || ROOTFS.equals(fsType));
    }

    /** Classifies one open descriptor (every socket unrestored). */
    public static FdDecision classify(OpenFile f) {
        return classify(f, null);
    }

    /**
     * Classifies one open descriptor.
     *
     * @param unix for an AF_UNIX socket its kernel state (null if unknown: the socket stays unrestored)
     */
    public static FdDecision classify(OpenFile f, UnixSocketFacts unix) {
        return classify(f, unix, null, null);
    }

    /**
     * Classifies one open descriptor.
     *
     * @param unix for an AF_UNIX socket its kernel state (null if unknown: the socket stays unrestored)
     * @param pipe for a pipe or FIFO its kernel state (null if unknown: it stays unrestored)
     * @param inet for a TCP/UDP socket what the dead kernel says about it (null if unknown: unrestored)
     */
    public static FdDecision classify(OpenFile f, UnixSocketFacts unix, PipeFacts pipe, InetSocketRead inet) {
        return classify(f, unix, pipe, inet, null, null);
    }

    /**
     * Classifies one open descriptor.
     *
     * @param event for an eventfd, timerfd, signalfd, epoll or inotify descriptor what the dead kernel says
     *              about it (null if unknown: unrestored). An epoll's registrations are resolved afterwards
     *              against the process's other descriptors ({@link EpollTargets}).
     * @param tty   for a pty end what the dead kernel says about its pair (null if unknown: unrestored)
     */
    public static FdDecision classify(OpenFile f, UnixSocketFacts unix, PipeFacts pipe, InetSocketRead inet,
                                      EventFileFacts event, TtyFacts tty) {
        String path = f.path() == null ? "?" : f.path();
        String desc = f.description() != null && !f.description().isBlank() ? f.description() : path;
        switch (f.kind()) {
            case REGULAR, DIRECTORY -> {
                FileKind k = f.kind() == org.otherworld.agent.files.FileKind.REGULAR ? FileKind.REGULAR
                        : FileKind.DIRECTORY;
                if (path.endsWith(DELETED) || !path.startsWith("/")) {
                    return unrestored(f, "file", path, "the file was deleted before the crash");
                }
                if (!survives(f.fsType())) {
                    return unrestored(f, "file", path, "files on " + f.fsType() + " do not survive the crash");
                }
                return new FdDecision(f, k, null);
            }
            case CHAR_DEVICE -> {
                if (f.rdevMajor() == MEM_MAJOR && STATELESS_MEM_MINORS.contains(f.rdevMinor()) && path.startsWith("/")
                        && !path.endsWith(DELETED)) {
                    return new FdDecision(f, FileKind.CHAR_DEVICE, null);
                }
                return unrestored(f, "device", path, "device " + f.rdevMajor() + ":" + f.rdevMinor()
                        + " keeps state in the kernel");
            }
            case SOCKET -> {
                SocketInfo s = f.socket();
                String kind = s == null ? "other" : switch (s.protocolName()) {
                    case "tcp", "tcp6" -> "tcp";
                    case "udp", "udp6" -> "udp";
                    case "unix" -> "unix";
                    case "netlink" -> "netlink";
                    default -> "other";
                };
                if ("unix".equals(kind) && unix != null) {
                    String why = unix.whyUnrestorable();
                    if (why == null) {
                        return new FdDecision(f, FileKind.UNIX_SOCKET, null, unix.image());
                    }
                    return unrestored(f, kind, s.describe(), why);
                }
                if (("tcp".equals(kind) || "udp".equals(kind)) && inet != null) {
                    if (inet.image() != null) {
                        return new FdDecision(f, FileKind.INET_SOCKET, null, inet.image());
                    }
                    return unrestored(f, kind, s.describe(), inet.unrestored());
                }
                return unrestored(f, kind, s == null ? desc : s.describe(), "sockets are not restored");
            }
            case PIPE -> {
                if (pipe == null) {
                    return unrestored(f, "pipe", desc, "the pipe's state could not be read");
                }
                if (pipe.unrestorable() != null) {
                    return unrestored(f, "pipe", desc, pipe.unrestorable());
                }
                return new FdDecision(f, FileKind.PIPE, null, pipe.image());
            }
            case FIFO -> {
                if (path.endsWith(DELETED) || !path.startsWith("/")) {
                    return unrestored(f, "fifo", desc, "the FIFO was deleted before the crash");
                }
                if (!survives(f.fsType())) {
                    return unrestored(f, "fifo", desc, "FIFOs on " + f.fsType() + " do not survive the crash");
                }
                if (pipe == null) {
                    return unrestored(f, "fifo", desc, "the FIFO's state could not be read");
                }
                if (pipe.unrestorable() != null) {
                    return unrestored(f, "fifo", desc, pipe.unrestorable());
                }
                return new FdDecision(f, FileKind.FIFO, null, pipe.image());
            }
            case EVENTFD, EPOLL, TIMERFD, SIGNALFD, INOTIFY -> {
                String kind = f.kind().name().toLowerCase();
                if (event == null) {
                    return unrestored(f, kind, desc, "the " + kind + "'s state could not be read");
                }
                if (event.unrestorable() != null) {
                    return unrestored(f, kind, desc, event.unrestorable());
                }
                FileKind as = FileKind.valueOf(f.kind().name());
                if (as == FileKind.EPOLL) {
                    return new FdDecision(f, as, null, new org.otherworld.agent.images.EpollImage(java.util.List.of()));
                }
                return new FdDecision(f, as, null, event.detail());
            }
            case PTY -> {
                if (tty == null) {
                    return unrestored(f, "terminal", desc, "the terminal's state could not be read");
                }
                if (tty.unrestorable() != null) {
                    return unrestored(f, "terminal", desc, tty.unrestorable());
                }
                if (path.endsWith(DELETED) || !path.startsWith("/")) {
                    return unrestored(f, "terminal", desc, "its device node has no path");
                }
                return new FdDecision(f, FileKind.TTY, null, tty.image());
            }
            case MEMFD -> {
                return unrestored(f, "file", desc, "memfd files are not restored");
            }
            case BLOCK_DEVICE -> {
                return unrestored(f, "device", desc, "block devices are not restored");
            }
            default -> {
                return unrestored(f, "other", desc, f.kind().name().toLowerCase().replace('_', ' ')
                        + " descriptors are not restored");
            }
        }
    }

    /**
     * Whether {@code v} maps shared anonymous memory: mmap(MAP_SHARED | MAP_ANONYMOUS) or /dev/zero mapped
     * shared, both a shmem inode whose d_path is "/dev/zero (deleted)".
     */
    public static boolean isSharedAnon(Vma v) {
        return v.isFile() && v.path() != null && v.path().startsWith("/dev/zero") && (v.flags() & VmaFlags.VM_MAYSHARE) != 0
                && v.inode() != 0;
    }

    /** Whether {@code v} attaches a SysV shared memory segment (d_path "/SYSV%08x (deleted)", shared). */
    public static boolean isSysvShm(Vma v) {
        return v.isFile() && v.path() != null && v.path().startsWith("/SYSV") && (v.flags() & VmaFlags.VM_MAYSHARE) != 0;
    }

    /** An unrestored decision for {@code f} of report kind {@code kind} (description as classify gives it). */
    static FdDecision unrestoredDecision(OpenFile f, String kind, String reason) {
        String path = f.path() == null ? "?" : f.path();
        String desc = f.description() != null && !f.description().isBlank() ? f.description() : path;
        return unrestored(f, kind, desc, reason);
    }

    private static FdDecision unrestored(OpenFile f, String kind, String desc, String reason) {
        return new FdDecision(f, null, new UnrestoredResource(f.fd(), kind, desc, reason));
    }

    /**
     * Why the memory of {@code v} cannot be rebuilt, or empty if it can.
     *
     * @param fsType the filesystem type of the mapped file, or null for anonymous memory / unknown
     */
    public static Optional<String> vmaBlocker(Vma v, String fsType) {
        return vmaBlocker(v, fsType, false);
    }

    /**
     * Why the memory of {@code v} cannot be rebuilt, or empty if it can.
     *
     * @param fsType       the filesystem type of the mapped file, or null for anonymous memory / unknown
     * @param ownIpcNs     whether the process is in an IPC namespace other than the initial one (its SysV
     *                     shared memory is restored with the namespace)
     */
    public static Optional<String> vmaBlocker(Vma v, String fsType, boolean ownIpcNs) {
        if (!v.isFile()) {
            if (v.name() != null && v.name().startsWith("[") && !v.name().startsWith("[anon:")
                    && !Set.of("[heap]", "[stack]", "[vdso]", "[vvar]", "[vsyscall]").contains(v.name())) {
                return Optional.of(String.format("special mapping %s at 0x%x", v.name(), v.start()));
            }
            if ((v.flags() & (VmaFlags.VM_IO | VmaFlags.VM_PFNMAP)) != 0 && !"[vvar]".equals(v.name())) {
                return Optional.of(String.format("device memory at 0x%x", v.start()));
            }
            return Optional.empty();
        }
        String path = v.path() == null ? "?" : v.path();
        if (isSysvShm(v)) {
            return ownIpcNs ? Optional.empty() : Optional.of("SysV shared memory " + path.replace(DELETED, "")
                    + " of the initial IPC namespace is not restored (CRIU restores SysV IPC only with an IPC "
                    + "namespace of the process's own)");
        }
        if (isSharedAnon(v)) {
            return Optional.empty(); // its shmem object is written as a pagemap-shmem image
        }
        if (path.startsWith("/memfd:")) {
            return Optional.of("memfd mapping " + path + " is not restored");
        }
        if (path.endsWith(DELETED)) {
            return Optional.of("mapping of deleted file " + path);
        }
        if (fsType != null && !survives(fsType)) {
            return Optional.of("mapping of " + path + " on " + fsType + ", which does not survive the crash");
        }
        if ((v.flags() & (VmaFlags.VM_IO | VmaFlags.VM_PFNMAP)) != 0) {
            return Optional.of("device mapping " + path);
        }
        return Optional.empty();
    }
}
