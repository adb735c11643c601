package org.otherworld.agent.images;

import java.util.List;

/**
 * An inotify instance as restore rebuilds it (inotify_file_entry with its inotify_wd_entry list): criu
 * 3.17 calls {@code inotify_init1(flags)}, then per watch, in wd order, INOTIFY_IOC_SETNEXTWD(wd) and
 * {@code inotify_add_watch(mask & IN_ALL_EVENTS)} on the watched file, which it opens by
 * {@code path} (fh_entry.path, relative to the restored root) when that is set, else by file handle
 * (open_by_handle_at on the mount whose s_dev matches). Queued events are not part of the image.
 *
 * @param watches the watches
 */
public record InotifyImage(List<Watch> watches) implements FileDetail {
    /**
     * One watch.
     *
     * @param wd         watch descriptor
     * @param mask       event mask (IN_MODIFY ...)
     * @param ino        the watched inode's number
     * @param sDev       its superblock's s_dev in the kernel encoding (major &lt;&lt; 20 | minor), as fdinfo shows it and
     *                   criu compares it with its mounts' (MKKDEV)
     * @param path       absolute path of the watched file
     * @param handleType file handle type (FILEID_INO32_GEN 1 for ext4 and the default encoder)
     * @param handle     file handle words (FILEID_INO32_GEN: ino | generation &lt;&lt; 32)
     * @param handleBytes the handle's length in bytes
     */
    public record Watch(int wd, int mask, long ino, int sDev, String path, int handleType, long[] handle,
                        int handleBytes) {
        public Watch {
            if (wd <= 0) {
                throw new IllegalArgumentException("inotify wd " + wd + " is not positive");
            }
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("inotify wd " + wd + ": path must be absolute: " + path);
            }
            handle = handle.clone();
        }

        @Override
        public long[] handle() {
            return handle.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Watch w && wd == w.wd && mask == w.mask && ino == w.ino && sDev == w.sDev
                    && path.equals(w.path) && handleType == w.handleType && handleBytes == w.handleBytes
                    && java.util.Arrays.equals(handle, w.handle);
        }

        @Override
        public int hashCode() {
            return wd * 31 + path.hashCode();
        }
    }

    /** FILEID_INO32_GEN (include/linux/exportfs.h): 32-bit inode number and generation. */
    public static final int FILEID_INO32_GEN = 1;

    public InotifyImage {
        watches = List.copyOf(watches);
    }

    /** A FILEID_INO32_GEN handle for inode {@code ino} of generation {@code generation} (8 bytes, one word). */
    public static long[] ino32GenHandle(long ino, long generation) {
        return new long[] {(ino & 0xffffffffL) | (generation & 0xffffffffL) << 32};
    }
}
