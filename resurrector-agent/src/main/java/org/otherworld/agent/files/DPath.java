package org.otherworld.agent.files;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.otherworld.agent.kernel.Member;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Reconstructs the path of a {@code struct path} {vfsmnt, dentry} as the kernel's {@code d_path()}
 * does (fs/d_path.c, v6.1), i.e. what {@code readlink /proc/PID/fd/N} shows:
 * <ul>
 * <li>a dentry whose {@code d_op->d_dname} is set (pseudo filesystems) is named by that function,
 *     unless it is the root of its mount: {@code pipefs_dname} "pipe:[INO]", {@code sockfs_dname}
 *     "socket:[INO]", {@code anon_inodefs_dname} "anon_inode:NAME", {@code simple_dname}
 *     "/NAME (deleted)" (memfd, SysV shm, other alloc_file_pseudo files), {@code ns_dname}
 *     "TYPE:[INO]";</li>
 * <li>otherwise names are prepended while walking {@code d_parent} up to the mount's root
 *     ({@code vfsmount->mnt_root}), where the walk continues at the mountpoint in the parent mount
 *     ({@code struct mount} = container_of(vfsmount, struct mount, mnt); {@code mnt_parent},
 *     {@code mnt_mountpoint}) until the given root or the namespace root (a mount that is its own
 *     parent) is reached;</li>
 * <li>an unlinked dentry (unhashed, {@code d_hash.pprev == NULL}, and not IS_ROOT) gets the suffix
 *     " (deleted)".</li>
 * </ul>
 * Bounded by {@link #MAX_COMPONENTS} components with cycle detection; unreadable memory or a corrupt
 * chain throws {@link MemoryAccessException} naming the structure.
 */
public final class DPath {
    /** Most path components (and mount crossings) followed before giving up. */
    public static final int MAX_COMPONENTS = 4096;
    /** Longest dentry name accepted (PATH_MAX; real names are at most NAME_MAX = 255). */
    public static final int MAX_NAME = 4096;
    /** d_path()'s suffix for unlinked dentries. */
    public static final String DELETED_SUFFIX = " (deleted)";

    private final FilesContext ctx;
    private final VirtualMemory mem;
    private final Member dParent;
    private final Member dNameLen;
    private final Member dNameName;
    private final Member dHashPprev;
    private final Member dInode;
    private final Member dOp;
    private final Member dFsdata;
    private final Member dDname;
    private final Member iIno;
    private final long mntOffset;
    private final Member mntParent;
    private final Member mntMountpoint;
    private final Member mntRoot;

    public DPath(FilesContext ctx) {
        this.ctx = ctx;
        this.mem = ctx.kmem();
        var dentry = ctx.types().struct("dentry");
        dParent = dentry.member("d_parent");
        dNameLen = dentry.member("d_name.len");
        dNameName = dentry.member("d_name.name");
        dHashPprev = dentry.member("d_hash.pprev");
        dInode = dentry.member("d_inode");
        dOp = dentry.member("d_op");
        dFsdata = dentry.member("d_fsdata");
        dDname = ctx.types().struct("dentry_operations").member("d_dname");
        iIno = ctx.types().struct("inode").member("i_ino");
        var mount = ctx.types().struct("mount");
        mntOffset = mount.member("mnt").offset();
        mntParent = mount.member("mnt_parent");
        mntMountpoint = mount.member("mnt_mountpoint");
        mntRoot = ctx.types().struct("vfsmount").member("mnt_root");
    }

    /** The path of the {@code struct path} at {@code pathAddr}, relative to the namespace root. */
    public String pathAt(long pathAddr) {
        var p = ctx.object("path", pathAddr);
        return path(p.pointer("mnt"), p.pointer("dentry"));
    }

    /** The path of {vfsmnt, dentry}, walking up to the root of the mount namespace. */
    public String path(long vfsmnt, long dentry) {
        return path(vfsmnt, dentry, 0, 0);
    }

    /**
     * The path of {vfsmnt, dentry} as seen from root {rootMnt, rootDentry} (a task's
     * {@code fs->root}); with {@code rootMnt == 0} the walk ends at the namespace root.
     */
    public String path(long vfsmnt, long dentry, long rootMnt, long rootDentry) {
        if (dentry == 0) {
            throw new MemoryAccessException(dentry, "d_path: NULL dentry (vfsmount 0x" + Long.toHexString(vfsmnt) + ")");
        }
        String special = dynamicName(vfsmnt, dentry);
        if (special != null) {
            return special;
        }
        String suffix = isUnlinked(dentry) ? DELETED_SUFFIX : "";
        return walk(vfsmnt, dentry, rootMnt, rootDentry) + suffix;
    }

    /** Whether {@code dentry} is unlinked: d_unhashed() and not IS_ROOT(). */
    public boolean isUnlinked(long dentry) {
        return u64(dentry + dHashPprev.offset()) == 0 && u64(dentry + dParent.offset()) != dentry;
    }

    /** The dentry's own name (d_name), bytes kept as ISO-8859-1. */
    public String name(long dentry) {
        long len = u32(dentry + dNameLen.offset());
        long ptr = u64(dentry + dNameName.offset());
        if (len > MAX_NAME) {
            throw new MemoryAccessException(dentry, "dentry 0x" + Long.toHexString(dentry) + ": name length " + len
                    + " exceeds " + MAX_NAME);
        }
        if (len == 0) {
            return "";
        }
        return new String(mem.readBytes(ptr, (int) len), StandardCharsets.ISO_8859_1);
    }

    /**
     * The d_dname()-generated name of a pseudo-filesystem dentry, or null if the dentry has no
     * d_dname or is the root of its mount (then d_path walks the tree).
     */
    String dynamicName(long vfsmnt, long dentry) {
        long ops = u64(dentry + dOp.offset());
        if (ops == 0) {
            return null;
        }
        long fn = u64(ops + dDname.offset());
        if (fn == 0) {
            return null;
        }
        boolean isRoot = u64(dentry + dParent.offset()) == dentry;
        if (isRoot && vfsmnt != 0 && dentry == u64(vfsmnt + mntRoot.offset())) {
            return null;
        }
        String f = ctx.symbolAt(fn);
        f = f == null ? "" : f;
        switch (f) {
            case "pipefs_dname":
                return "pipe:[" + ino(dentry) + "]";
            case "sockfs_dname":
                return "socket:[" + ino(dentry) + "]";
            case "anon_inodefs_dname":
                return "anon_inode:" + name(dentry);
            case "simple_dname":
                return "/" + name(dentry) + DELETED_SUFFIX;
            case "ns_dname": {
                long nsOps = u64(dentry + dFsdata.offset());
                String type = nsOps == 0 ? "ns" : nsOpsName(nsOps);
                return type + ":[" + ino(dentry) + "]";
            }
            default:
                // Unknown generator (e.g. dmabuffs_dname): the dentry name is the best approximation.
                return name(dentry);
        }
    }

    private String nsOpsName(long nsOps) {
        var ops = ctx.object("proc_ns_operations", nsOps);
        return mem.readCString(ops.pointer("name"), 32);
    }

    private long ino(long dentry) {
        long inode = u64(dentry + dInode.offset());
        if (inode == 0) {
            throw new MemoryAccessException(dentry, "pseudo dentry 0x" + Long.toHexString(dentry) + " has no inode");
        }
        return u64(inode + iIno.offset());
    }

    private String walk(long vfsmnt, long dentry, long rootMnt, long rootDentry) {
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long mnt = vfsmnt - mntOffset;
        long d = dentry;
        int steps = 0;
        while (!(d == rootDentry && mnt + mntOffset == rootMnt)) {
            if (++steps > MAX_COMPONENTS) {
                throw new MemoryAccessException(dentry, "d_path of dentry 0x" + Long.toHexString(dentry)
                        + ": more than " + MAX_COMPONENTS + " components");
            }
            if (!seen.add(Long.toHexString(mnt) + ":" + Long.toHexString(d))) {
                throw new MemoryAccessException(d, "d_path of dentry 0x" + Long.toHexString(dentry)
                        + ": cycle at dentry 0x" + Long.toHexString(d));
            }
            if (vfsmnt == 0) {
                // no mount known: walk the dentry tree only, up to its root
                if (u64(d + dParent.offset()) == d) {
                    break;
                }
            } else if (d == u64(mnt + mntOffset + mntRoot.offset())) {
                long parent = u64(mnt + mntParent.offset());
                if (parent == mnt || parent == 0) {
                    break; // global root (or a detached mount)
                }
                d = u64(mnt + mntMountpoint.offset());
                mnt = parent;
                continue;
            }
            long parent = u64(d + dParent.offset());
            if (parent == d) {
                break; // escaped: a root dentry that is not the mount's root
            }
            names.add(name(d));
            d = parent;
        }
        if (names.isEmpty()) {
            return "/";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = names.size() - 1; i >= 0; i--) {
            sb.append('/').append(names.get(i));
        }
        return sb.toString();
    }

    private long u64(long a) {
        return mem.readU64(a);
    }

    private long u32(long a) {
        return mem.readU32(a) & 0xffffffffL;
    }
}
