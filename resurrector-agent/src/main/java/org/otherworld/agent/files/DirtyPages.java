package org.otherworld.agent.files;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.ListWalk;

/**
 * Finds the files with dirty page-cache pages: data written by processes but not yet written back to
 * disk when the kernel died, which the resurrector must write out itself.
 *
 * <p>Enumeration: every superblock on {@code super_blocks} (super_block.s_list), then every inode on
 * its {@code s_inodes} list (inode.i_sb_list). An inode is taken when {@code i_state} has
 * I_DIRTY_PAGES or its i_pages xarray carries the dirty or the writeback mark in xa_flags
 * (mapping_tagged()), and its unwritten folios are the XA_MARK_0 (PAGECACHE_TAG_DIRTY) and XA_MARK_1
 * (PAGECACHE_TAG_WRITEBACK) entries: a folio under writeback had its I/O submitted but not completed, so
 * the disk may not hold it. The bdi writeback lists
 * (wb.b_dirty/b_io/b_more_io) would be shorter to walk, but with cgroup writeback an inode sits on a
 * per-memcg bdi_writeback, an inode being written back moves between lists, and a crash during
 * writeback can leave them inconsistent; the per-superblock list holds every in-memory inode, so the
 * scan is complete and each check costs two small reads. Bounded by {@link #MAX_SUPERBLOCKS} and
 * {@link #maxInodes}.
 *
 * <p>On ext4 with a journal, a regular file is also taken, with no unwritten page at all, when its last
 * metadata change is in a journal transaction that had not committed ({@link Ext4Journal}): its clean pages
 * may be data the disk will not show after journal recovery (blocks allocated or converted, size or name
 * changed in that transaction). Such a file is {@link DirtyFile#journalPending()}; the writer compares its
 * cached pages with the disk. Taken only when it has cached pages or is empty (an empty file created in
 * the lost transaction is created again).
 */
public final class DirtyPages {
    /** Most superblocks walked. */
    public static final int MAX_SUPERBLOCKS = 4096;
    /** I_DIRTY_PAGES (include/linux/fs.h, v6.1: bit 2 of i_state). */
    public static final long I_DIRTY_PAGES = 1L << 2;
    /** Filesystems whose contents live only in memory even though they have no block device. */
    static final Set<String> NETWORK_FS = Set.of("nfs", "nfs4", "cifs", "smb3", "9p", "fuse", "fuseblk", "ceph");

    /**
     * One dirty page range.
     *
     * @param index file page index of its first page
     * @param phys  physical address of its first byte
     * @param bytes its length (PAGE_SIZE &lt;&lt; folio order)
     */
    public record DirtyPage(long index, long phys, int bytes) {
        /** Byte offset in the file. */
        public long fileOffset() {
            return index * PageCache.PAGE_SIZE;
        }
    }

    /**
     * A file with dirty pages.
     *
     * @param dev        the superblock's s_dev (kernel encoding)
     * @param fsType     the filesystem type name
     * @param persistent whether the filesystem writes back to storage (has a block device or is a
     *                   network filesystem); false for tmpfs/ramfs and other memory filesystems
     * @param inode      address of the struct inode
     * @param ino        inode number
     * @param path       a path of the inode (through its first dentry alias and a mount of its
     *                   superblock), or null if the inode has no dentry
     * @param size       i_size, the file size as the kernel saw it
     * @param pages      the dirty pages, by index (only pages within i_size matter)
     * @param journalPending its last metadata change is in a journal transaction that had not committed:
     *                   its clean cached pages may be missing from the disk after recovery
     */
    public record DirtyFile(int dev, String fsType, boolean persistent, long inode, long ino, String path, long size,
                            List<DirtyPage> pages, boolean journalPending) {
        public DirtyFile {
            pages = List.copyOf(pages);
        }

        /** A file with unwritten pages, not known to be journal-pending. */
        public DirtyFile(int dev, String fsType, boolean persistent, long inode, long ino, String path, long size,
                         List<DirtyPage> pages) {
            this(dev, fsType, persistent, inode, ino, path, size, pages, false);
        }
    }

    /**
     * Scan outcome: the dirty files and one line per problem met.
     *
     * @param journals per ext4 superblock with a journal, "dev:commit_sequence" (the last committed transaction)
     */
    public record Result(List<DirtyFile> files, int superblocks, int inodesChecked, List<String> errors,
                         List<String> journals) {
        public Result {
            files = List.copyOf(files);
            errors = List.copyOf(errors);
            journals = List.copyOf(journals);
        }

        /** Only the files of persistent filesystems. */
        public List<DirtyFile> persistent() {
            return files.stream().filter(DirtyFile::persistent).toList();
        }
    }

    private final FilesContext ctx;
    private final PageCache cache;
    private final InodePaths paths;
    private int maxInodes = 1 << 22;

    public DirtyPages(FilesContext ctx) {
        this.ctx = ctx;
        this.cache = new PageCache(ctx);
        this.paths = new InodePaths(ctx);
    }

    /** Overall inode budget of a scan (default 4 Mi). */
    public DirtyPages maxInodes(int n) {
        this.maxInodes = n;
        return this;
    }

    public PageCache pageCache() {
        return cache;
    }

    /** Scans all superblocks on the {@code super_blocks} list. */
    public Result scan() {
        long head = ctx.symbols().address("super_blocks");
        return scan(head);
    }

    /** Scans the superblocks on the list whose head is at {@code superBlocksHead}. */
    public Result scan(long superBlocksHead) {
        List<String> errors = new ArrayList<>();
        List<DirtyFile> out = new ArrayList<>();
        ListWalk sbs = ctx.lists().walk(superBlocksHead, "super_block", "s_list", MAX_SUPERBLOCKS);
        if (!sbs.complete()) {
            errors.add(sbs.error());
        }
        List<String> journals = new ArrayList<>();
        int checked = 0;
        for (KObject sb : sbs.entries()) {
            String fsType;
            int dev;
            boolean persistent;
            try {
                fsType = ctx.fsTypeName(sb);
                dev = (int) sb.u32("s_dev");
                persistent = sb.pointer("s_bdev") != 0 || NETWORK_FS.contains(fsType);
            } catch (RuntimeException e) {
                errors.add("super_block 0x" + Long.toHexString(sb.address()) + ": " + e.getMessage());
                continue;
            }
            Ext4Journal journal = null;
            if (persistent && Ext4Journal.handles(fsType)) {
                try {
                    journal = Ext4Journal.of(ctx, sb);
                    if (journal != null) {
                        journals.add(Integer.toUnsignedString(dev) + ":" + journal.commitSequence());
                    }
                } catch (RuntimeException e) {
                    errors.add(fsType + " super_block 0x" + Long.toHexString(sb.address()) + ": journal state unknown ("
                            + e.getMessage() + "): only dirty pages are written back");
                }
            }
            ListWalk inodes = ctx.lists().walk(sb.addressOf("s_inodes"), "inode", "i_sb_list",
                    Math.max(0, maxInodes - checked));
            if (!inodes.complete()) {
                errors.add(fsType + " super_block 0x" + Long.toHexString(sb.address()) + ": " + inodes.error());
            }
            for (KObject inode : inodes.entries()) {
                checked++;
                try {
                    boolean dirty = (inode.u64("i_state") & I_DIRTY_PAGES) != 0 || cache.taggedDirty(inode.address())
                            || cache.taggedWriteback(inode.address());
                    boolean pending = journal != null && (inode.u16("i_mode") & OpenFile.S_IFMT) == OpenFile.S_IFREG
                            && journal.pending(inode.address());
                    if (!dirty && !pending) {
                        continue;
                    }
                    List<DirtyPage> pages = new ArrayList<>();
                    if (dirty) {
                        for (PageCache.CachedPage p : cache.unwrittenPages(inode.address())) {
                            pages.add(new DirtyPage(p.index(), p.phys(), p.bytes()));
                        }
                    }
                    long size = inode.s64("i_size");
                    if (pages.isEmpty() && !(pending && (size == 0 || cache.cachedPageCount(inode.address()) > 0))) {
                        continue; // only metadata dirty, or the tag was already cleared; or nothing cached to write
                    }
                    String path = paths.pathOf(inode.address(), errors);
                    out.add(new DirtyFile(dev, fsType, persistent, inode.address(), inode.u64("i_ino"), path, size,
                            pages, pending));
                } catch (RuntimeException e) {
                    errors.add(fsType + " inode 0x" + Long.toHexString(inode.address()) + ": " + e.getMessage());
                }
            }
        }
        return new Result(out, sbs.entries().size(), checked, errors, journals);
    }

    /** The bytes of a dirty page, from the dump. */
    public byte[] read(DirtyPage p) {
        return ctx.phys().readBytes(p.phys(), p.bytes());
    }

    /** The contents of a shmem/tmpfs inode, all cached pages (dirty or not), holes as zeros. */
    public InputStream readShmemFile(long inode) {
        return cache.readShmemFile(inode);
    }
}
