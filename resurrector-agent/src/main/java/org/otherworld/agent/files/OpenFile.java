package org.otherworld.agent.files;

/**
 * One open file of a dead process (one fd table slot), with what /proc/PID/fd and /proc/PID/fdinfo
 * would have shown for it and what a restorer needs to know about the object behind it.
 *
 * @param fd          the descriptor number (-1 for a file not reached through an fd table)
 * @param closeOnExec whether the fd's bit in fdt->close_on_exec is set
 * @param file        address of the struct file
 * @param flags       file->f_flags (without the O_CLOEXEC that /proc adds, see {@link #procFlags()})
 * @param fmode       file->f_mode (FMODE_READ 1, FMODE_WRITE 2 ...)
 * @param pos         file->f_pos
 * @param path        d_path() of file->f_path, as readlink(/proc/PID/fd/N) shows it
 * @param mntId       real_mount(f_path.mnt)->mnt_id (fdinfo "mnt_id:")
 * @param inode       address of the struct inode (file->f_inode)
 * @param ino         inode->i_ino
 * @param iMode       inode->i_mode (file type and permission bits)
 * @param size        inode->i_size
 * @param dev         the superblock's s_dev (kernel dev_t encoding: major &lt;&lt; 20 | minor)
 * @param fsType      the superblock's file_system_type name ("ext4", "pipefs", "sockfs" ...)
 * @param rdev        inode->i_rdev for device nodes (kernel encoding), else 0
 * @param fopsSymbol  the kallsyms name of file->f_op, or null if unknown
 * @param kind        what the file is
 * @param socket      for sockets the socket state, else null
 * @param description a human description, e.g. "pipe:[1234] (read end)" or a socket's endpoints
 */
public record OpenFile(int fd, boolean closeOnExec, long file, int flags, int fmode, long pos, String path,
                       int mntId, long inode, long ino, int iMode, long size, int dev, String fsType, int rdev,
                       String fopsSymbol, FileKind kind, SocketInfo socket, String description) {
    /** O_CLOEXEC (include/uapi/asm-generic/fcntl.h). */
    public static final int O_CLOEXEC = 02000000;
    /** FMODE_READ and FMODE_WRITE (include/linux/fs.h). */
    public static final int FMODE_READ = 1, FMODE_WRITE = 2;
    /** S_IFMT and file types (include/uapi/linux/stat.h). */
    public static final int S_IFMT = 0170000, S_IFSOCK = 0140000, S_IFLNK = 0120000, S_IFREG = 0100000,
            S_IFBLK = 060000, S_IFDIR = 040000, S_IFCHR = 020000, S_IFIFO = 010000;

    /** The flags /proc/PID/fdinfo shows: f_flags plus O_CLOEXEC if the close-on-exec bit is set. */
    public int procFlags() {
        return closeOnExec ? flags | O_CLOEXEC : flags;
    }

    /** {@link #procFlags()} formatted as fdinfo does ("0%o"), e.g. "02" or "0100002". */
    public String procFlagsOctal() {
        return "0" + Integer.toOctalString(procFlags());
    }

    /** Major number of {@link #dev()} (kernel MAJOR(): bits 20 and up). */
    public int devMajor() {
        return major(dev);
    }

    public int devMinor() {
        return minor(dev);
    }

    public int rdevMajor() {
        return major(rdev);
    }

    public int rdevMinor() {
        return minor(rdev);
    }

    /** The file type bits of {@link #iMode()}. */
    public int fileType() {
        return iMode & S_IFMT;
    }

    /** Whether the file was opened for reading (FMODE_READ). */
    public boolean readable() {
        return (fmode & FMODE_READ) != 0;
    }

    /** Whether the file was opened for writing (FMODE_WRITE). */
    public boolean writable() {
        return (fmode & FMODE_WRITE) != 0;
    }

    /** MAJOR() of a kernel dev_t (include/linux/kdev_t.h, MINORBITS 20). */
    public static int major(int kdev) {
        return kdev >>> 20;
    }

    /** MINOR() of a kernel dev_t. */
    public static int minor(int kdev) {
        return kdev & 0xfffff;
    }

    /** This record with fd-table data set (fd number and close-on-exec bit). */
    OpenFile withFd(int newFd, boolean cloexec) {
        return new OpenFile(newFd, cloexec, file, flags, fmode, pos, path, mntId, inode, ino, iMode, size, dev,
                fsType, rdev, fopsSymbol, kind, socket, description);
    }
}
