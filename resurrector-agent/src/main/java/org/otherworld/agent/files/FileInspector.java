package org.otherworld.agent.files;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.vmcore.MemoryAccessException;

/**
 * Reads one {@code struct file} into an {@link OpenFile}: path (via {@link DPath}), position, flags,
 * inode facts, superblock device and filesystem type, and the kind of object behind it.
 *
 * <p>The kind is decided by the file's {@code f_op} table, recognised by its kallsyms name (all of
 * these are data symbols of a 6.1 kernel built with CONFIG_KALLSYMS_ALL), then by the inode's file
 * type: pipes/FIFOs share {@code pipefifo_fops} (pipefs superblock = anonymous pipe), sockets
 * {@code socket_file_ops}, anon-inode files have their own tables ({@code eventfd_fops} ...).
 */
public final class FileInspector {
    /** f_op tables recognised by name, mapped to the kind they imply (null: decide by inode type). */
    static final Map<String, FileKind> KNOWN_FOPS = Map.ofEntries(
            Map.entry("pipefifo_fops", FileKind.PIPE),
            Map.entry("socket_file_ops", FileKind.SOCKET),
            Map.entry("eventfd_fops", FileKind.EVENTFD),
            Map.entry("eventpoll_fops", FileKind.EPOLL),
            Map.entry("timerfd_fops", FileKind.TIMERFD),
            Map.entry("signalfd_fops", FileKind.SIGNALFD),
            Map.entry("inotify_fops", FileKind.INOTIFY),
            Map.entry("fanotify_fops", FileKind.FANOTIFY),
            Map.entry("shm_file_operations", FileKind.SYSV_SHM),
            Map.entry("shm_file_operations_huge", FileKind.SYSV_SHM),
            Map.entry("ptmx_fops", FileKind.PTY));
    /** Further tables named in descriptions only. */
    static final List<String> OTHER_FOPS = List.of("shmem_file_operations", "tty_fops", "hung_up_tty_fops",
            "ext4_file_operations", "ext4_dir_operations", "def_blk_fops", "hugetlbfs_file_operations",
            "proc_reg_file_ops", "kernfs_file_fops");
    /** Unix98 pty slave majors (UNIX98_PTY_SLAVE_MAJOR 136 .. +7) and /dev/ptmx (TTYAUX_MAJOR 5, minor 2). */
    static final int PTS_MAJOR_FIRST = 136, PTS_MAJOR_LAST = 143, PTMX_MAJOR = 5, PTMX_MINOR = 2;

    private final FilesContext ctx;
    private final DPath dpath;
    private final Map<Long, String> fopsByAddress = new HashMap<>();

    public FileInspector(FilesContext ctx) {
        this.ctx = ctx;
        this.dpath = new DPath(ctx);
        for (String n : KNOWN_FOPS.keySet()) {
            ctx.symbols().find(n).ifPresent(a -> fopsByAddress.put(a, n));
        }
        for (String n : OTHER_FOPS) {
            ctx.symbols().find(n).ifPresent(a -> fopsByAddress.put(a, n));
        }
    }

    public DPath dpath() {
        return dpath;
    }

    /** The kallsyms name of an f_op table address, or null. */
    public String fopsName(long fop) {
        String n = fopsByAddress.get(fop);
        return n != null ? n : ctx.symbolAt(fop);
    }

    /**
     * Reads the {@code struct file} at {@code fileAddr}; fd is -1 and closeOnExec false (the fd table
     * reader fills them in).
     *
     * @throws MemoryAccessException if the file, its path, inode or superblock is unreadable
     */
    public OpenFile inspect(long fileAddr) {
        KObject f = ctx.object("file", fileAddr);
        int flags = (int) f.u32("f_flags");
        int fmode = (int) f.u32("f_mode");
        long pos = f.s64("f_pos");
        long mnt = f.pointer("f_path.mnt");
        long dentry = f.pointer("f_path.dentry");
        String path = dpath.path(mnt, dentry);
        int mntId = -1;
        if (mnt != 0) {
            long mount = mnt - ctx.types().struct("mount").member("mnt").offset();
            mntId = (int) ctx.object("mount", mount).s32("mnt_id");
        }
        KObject inode = f.deref("f_inode");
        if (inode == null) {
            throw new MemoryAccessException(fileAddr, "struct file 0x" + Long.toHexString(fileAddr) + " has no inode");
        }
        long ino = inode.u64("i_ino");
        int iMode = (int) inode.u16("i_mode");
        long size = inode.s64("i_size");
        int rdev = (int) inode.u32("i_rdev");
        KObject sb = inode.deref("i_sb");
        int dev = sb == null ? 0 : (int) sb.u32("s_dev");
        String fsType = sb == null ? null : ctx.fsTypeName(sb);
        long fop = f.pointer("f_op");
        String fops = fopsName(fop);
        FileKind kind = classify(fops, iMode, rdev, fsType, path);
        SocketInfo sock = null;
        if (kind == FileKind.SOCKET) {
            sock = socketInfo(f.pointer("private_data"));
        }
        int type = iMode & OpenFile.S_IFMT;
        if (type != OpenFile.S_IFCHR && type != OpenFile.S_IFBLK) {
            rdev = 0;
        }
        OpenFile of = new OpenFile(-1, false, fileAddr, flags, fmode, pos, path, mntId, inode.address(), ino, iMode,
                size, dev, fsType, rdev, fops, kind, sock, null);
        return new OpenFile(-1, false, fileAddr, flags, fmode, pos, path, mntId, inode.address(), ino, iMode,
                size, dev, fsType, rdev, fops, kind, sock, describe(of, f));
    }


    static FileKind classify(String fops, int iMode, int rdev, String fsType, String path) {
        FileKind k = fops == null ? null : KNOWN_FOPS.get(fops);
        int type = iMode & OpenFile.S_IFMT;
        if (k == FileKind.PIPE) {
            return "pipefs".equals(fsType) ? FileKind.PIPE : FileKind.FIFO;
        }
        if (k != null) {
            return k;
        }
        switch (type) {
            case OpenFile.S_IFSOCK: return FileKind.SOCKET;
            case OpenFile.S_IFIFO: return "pipefs".equals(fsType) ? FileKind.PIPE : FileKind.FIFO;
            case OpenFile.S_IFDIR: return FileKind.DIRECTORY;
            case OpenFile.S_IFLNK: return FileKind.SYMLINK;
            case OpenFile.S_IFBLK: return FileKind.BLOCK_DEVICE;
            case OpenFile.S_IFCHR: {
                int maj = OpenFile.major(rdev);
                int min = OpenFile.minor(rdev);
                boolean pty = (maj >= PTS_MAJOR_FIRST && maj <= PTS_MAJOR_LAST) || (maj == PTMX_MAJOR && min == PTMX_MINOR);
                return pty ? FileKind.PTY : FileKind.CHAR_DEVICE;
            }
            case OpenFile.S_IFREG:
                if (path != null && path.startsWith("/memfd:") && path.endsWith(DPath.DELETED_SUFFIX)
                        && ("tmpfs".equals(fsType) || "hugetlbfs".equals(fsType) || "shmem".equals(fsType))) {
                    return FileKind.MEMFD;
                }
                return FileKind.REGULAR;
            default:
                return "anon_inodefs".equals(fsType) ? FileKind.ANON_INODE_OTHER : FileKind.UNKNOWN;
        }
    }

    private String describe(OpenFile of, KObject f) {
        switch (of.kind()) {
            case PIPE:
                return of.path() + ends(of);
            case FIFO:
                return "fifo " + of.path() + ends(of);
            case SOCKET:
                return of.socket() == null ? of.path() : of.socket().describe();
            case EVENTFD: {
                try {
                    KObject ctxObj = f.deref("private_data", "eventfd_ctx");
                    return ctxObj == null ? of.path() : "eventfd count=" + Long.toUnsignedString(ctxObj.u64("count"));
                } catch (RuntimeException e) {
                    return of.path();
                }
            }
            case CHAR_DEVICE:
            case PTY:
                return of.path() + " (char " + of.rdevMajor() + ":" + of.rdevMinor() + ")";
            case BLOCK_DEVICE:
                return of.path() + " (block " + of.rdevMajor() + ":" + of.rdevMinor() + ")";
            case MEMFD:
                return "memfd " + of.path().substring("/memfd:".length(), of.path().length() - DPath.DELETED_SUFFIX.length())
                        + " size=" + of.size();
            default:
                return of.path();
        }
    }

    private static String ends(OpenFile of) {
        if (of.readable() && of.writable()) {
            return " (read/write)";
        }
        return of.readable() ? " (read end)" : of.writable() ? " (write end)" : "";
    }

    /** Reads the socket state of the {@code struct socket} at {@code socketAddr} (file->private_data). */
    public SocketInfo socketInfo(long socketAddr) {
        if (socketAddr == 0) {
            return null;
        }
        KObject socket = ctx.object("socket", socketAddr);
        KObject sk = socket.deref("sk");
        if (sk == null) {
            return new SocketInfo(0, (int) socket.read("type"), 0, 0, null, -1, null, -1, null, 0);
        }
        int family = (int) sk.read("__sk_common.skc_family");
        int type = (int) sk.read("sk_type");
        int protocol = (int) sk.read("sk_protocol");
        int state = (int) sk.read("__sk_common.skc_state");
        String la = null;
        String ra = null;
        int lp = -1;
        int rp = -1;
        String unixPath = null;
        if (family == SocketInfo.AF_INET || family == SocketInfo.AF_INET6) {
            boolean v6 = family == SocketInfo.AF_INET6;
            la = address(sk.bytes(v6 ? "__sk_common.skc_v6_rcv_saddr" : "__sk_common.skc_rcv_saddr"));
            ra = address(sk.bytes(v6 ? "__sk_common.skc_v6_daddr" : "__sk_common.skc_daddr"));
            lp = (int) sk.read("__sk_common.skc_num") & 0xffff;
            rp = Short.toUnsignedInt(Short.reverseBytes((short) sk.read("__sk_common.skc_dport")));
        } else if (family == SocketInfo.AF_UNIX) {
            KObject us = sk.as("unix_sock");
            unixPath = unixPath(us);
            KObject peer = us.deref("peer");
            if (peer != null) {
                String pp = unixPath(peer.as("unix_sock"));
                ra = pp == null ? "(unbound)" : pp;
            }
        }
        return new SocketInfo(family, type, protocol, state, la, lp, ra, rp, unixPath, sk.address());
    }

    private String unixPath(KObject unixSock) {
        KObject addr = unixSock.deref("addr");
        if (addr == null) {
            return null;
        }
        int len = (int) addr.s32("len");
        var sun = ctx.types().struct("sockaddr_un");
        long pathOff = sun.member("sun_path").offset();
        int max = (int) sun.member("sun_path").size();
        int n = (int) Math.min(Math.max(len - pathOff, 0), max);
        if (n == 0) {
            return null;
        }
        byte[] b = ctx.kmem().readBytes(addr.addressOf("name") + pathOff, n);
        if (b[0] == 0) {
            // abstract name: all len bytes count, shown with a leading '@' like ss(8)
            return "@" + new String(b, 1, n - 1, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        int e = 0;
        while (e < n && b[e] != 0) {
            e++;
        }
        return new String(b, 0, e, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static String address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw).getHostAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
