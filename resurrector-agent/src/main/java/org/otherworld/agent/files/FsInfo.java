package org.otherworld.agent.files;

import org.otherworld.agent.kernel.KObject;

/**
 * A task's filesystem context, from {@code task->fs} (struct fs_struct): root and working directory
 * (as d_path() shows them from the namespace root) and the umask.
 *
 * @param root   path of fs->root
 * @param pwd    path of fs->pwd
 * @param umask  fs->umask
 * @param rootMnt    fs->root.mnt (vfsmount address)
 * @param rootDentry fs->root.dentry
 */
public record FsInfo(String root, String pwd, int umask, long rootMnt, long rootDentry) {

    /** Reads {@code task->fs}; null if the task has no fs_struct (an exited task). */
    public static FsInfo of(FilesContext ctx, KObject task) {
        KObject fs = task.deref("fs");
        if (fs == null) {
            return null;
        }
        DPath d = new DPath(ctx);
        long rootMnt = fs.pointer("root.mnt");
        long rootDentry = fs.pointer("root.dentry");
        String root = d.path(rootMnt, rootDentry);
        String pwd = d.path(fs.pointer("pwd.mnt"), fs.pointer("pwd.dentry"));
        return new FsInfo(root, pwd, (int) fs.s32("umask"), rootMnt, rootDentry);
    }
}
