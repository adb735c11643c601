package org.otherworld.agent.files;

import java.util.List;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.ListWalk;

/**
 * A path for an inode that is reached without a struct file (dirty page cache, SysV shm): an inode
 * has no path of its own, so take its first dentry alias ({@code inode->i_dentry}, hlist of dentries
 * linked by {@code d_u.d_alias}) and a mount of its superblock ({@code sb->s_mounts}, struct mount
 * linked by {@code mnt_instance}), preferring an attached mount (mnt_ns set) of the whole filesystem
 * (mnt_root == sb->s_root), and apply {@link DPath}.
 */
public final class InodePaths {
    /** Most aliases / mounts looked at. */
    static final int MAX_ALIASES = 64, MAX_MOUNTS = 1024;

    private final FilesContext ctx;
    private final DPath dpath;

    public InodePaths(FilesContext ctx) {
        this.ctx = ctx;
        this.dpath = new DPath(ctx);
    }

    /** The inode's path, or null when it has no dentry; problems are appended to {@code errors}. */
    public String pathOf(long inodeAddr, List<String> errors) {
        KObject inode = ctx.object("inode", inodeAddr);
        ListWalk aliases = ctx.lists().walkHlist(inode.addressOf("i_dentry"), "dentry", "d_u.d_alias", MAX_ALIASES);
        if (aliases.entries().isEmpty()) {
            if (!aliases.complete()) {
                errors.add("inode 0x" + Long.toHexString(inodeAddr) + ": " + aliases.error());
            }
            return null;
        }
        long dentry = aliases.entries().get(0).address();
        KObject sb = inode.deref("i_sb");
        long vfsmnt = sb == null ? 0 : mountOf(sb);
        return dpath.path(vfsmnt, dentry);
    }

    /** The vfsmount address of the best mount of superblock {@code sb}, or 0 if it has none. */
    public long mountOf(KObject sb) {
        long root = sb.pointer("s_root");
        ListWalk mounts = ctx.lists().walk(sb.addressOf("s_mounts"), "mount", "mnt_instance", MAX_MOUNTS);
        long best = 0;
        int bestScore = -1;
        for (KObject m : mounts.entries()) {
            int score = (m.pointer("mnt_ns") != 0 ? 2 : 0) + (m.pointer("mnt.mnt_root") == root ? 1 : 0);
            if (score > bestScore) {
                bestScore = score;
                best = m.addressOf("mnt");
            }
        }
        return best;
    }
}
