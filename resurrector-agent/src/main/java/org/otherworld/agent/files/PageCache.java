package org.otherworld.agent.files;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.mm.XArray;
import org.otherworld.agent.vmcore.MemoryAccessException;

/**
 * The page cache of one inode: the folios in {@code inode->i_mapping->i_pages} (an xarray of struct
 * folio/page pointers; value entries are shadow entries of evicted pages or, for shmem, swap
 * entries), with their file index, physical address and size, and readers for their bytes.
 */
public final class PageCache {
    /** x86-64 base page size. */
    public static final int PAGE_SIZE = 4096;
    /** Largest folio order accepted (PMD size, 2 MiB, is order 9). */
    static final int MAX_ORDER = 18;

    /**
     * One cached folio.
     *
     * @param index   file offset / PAGE_SIZE of its first page
     * @param page    the struct page (folio) address, or 0 for a swapped-out shmem page
     * @param phys    physical address of its first byte (-1 if swapped out)
     * @param bytes   its size (PAGE_SIZE &lt;&lt; order)
     * @param swapEntry for a swapped-out shmem page, the swap entry value (xa_to_value), else 0
     */
    public record CachedPage(long index, long page, long phys, int bytes, long swapEntry) {
        /** Whether the page's contents are in memory (not swapped out). */
        public boolean resident() {
            return phys >= 0;
        }
    }

    private final FilesContext ctx;
    private final XArray xarray;

    public PageCache(FilesContext ctx) {
        this.ctx = ctx;
        this.xarray = new XArray(ctx.kmem(), ctx.xarray());
    }

    /** Address of the xarray {@code inode->i_mapping->i_pages}. */
    public long pagesXarray(long inode) {
        KObject mapping = ctx.object("inode", inode).deref("i_mapping");
        if (mapping == null) {
            throw new MemoryAccessException(inode, "inode 0x" + Long.toHexString(inode) + " has no i_mapping");
        }
        return mapping.addressOf("i_pages");
    }

    /** The number of pages in the inode's page cache ({@code i_mapping->nrpages}). */
    public long cachedPageCount(long inode) {
        return ctx.object("inode", inode).deref("i_mapping").u64("nrpages");
    }

    /** Whether the inode's mapping has any page tagged dirty (mapping_tagged(PAGECACHE_TAG_DIRTY)). */
    public boolean taggedDirty(long inode) {
        return tagged(inode, XArray.MARK_0);
    }

    /**
     * Whether the mapping has folios under writeback (mapping_tagged(PAGECACHE_TAG_WRITEBACK)): their I/O was
     * submitted but had not completed when the kernel died, so the disk may not hold them.
     */
    public boolean taggedWriteback(long inode) {
        return tagged(inode, XArray.MARK_1);
    }

    private boolean tagged(long inode, int mark) {
        int flags = ctx.kmem().readU32(pagesXarray(inode) + ctx.xarray().flagsOffset());
        return (flags & (1L << (ctx.xarray().flagsMarkShift() + mark))) != 0;
    }

    /** The folios tagged dirty (XA_MARK_0 = PAGECACHE_TAG_DIRTY), by index. */
    public List<CachedPage> dirtyPages(long inode) {
        return toPages(inode, xarray.markedEntries(pagesXarray(inode), XArray.MARK_0), false);
    }

    /**
     * The folios the disk may not hold: tagged dirty or under writeback (XA_MARK_1 =
     * PAGECACHE_TAG_WRITEBACK), by index, each once.
     */
    public List<CachedPage> unwrittenPages(long inode) {
        long xa = pagesXarray(inode);
        TreeMap<Long, XArray.Entry> byIndex = new TreeMap<>();
        for (XArray.Entry e : xarray.markedEntries(xa, XArray.MARK_0)) {
            byIndex.put(e.index(), e);
        }
        for (XArray.Entry e : xarray.markedEntries(xa, XArray.MARK_1)) {
            byIndex.putIfAbsent(e.index(), e);
        }
        return toPages(inode, new ArrayList<>(byIndex.values()), false);
    }

    /**
     * The resident cached folios whose contents are valid ({@code PG_uptodate} in {@code page->flags}, bit
     * number from BTF {@code enum pageflags}). A folio being read from disk when the kernel died is in the
     * cache, locked and not uptodate, its bytes not (all) filled: its contents must never be written to a
     * file. Dirty and writeback folios are always uptodate; this matters for clean ones.
     */
    public List<CachedPage> uptodatePages(long inode) {
        if (uptodateBit < 0) {
            uptodateBit = (int) ctx.types().enumValue("pageflags", "PG_uptodate");
        }
        List<CachedPage> out = new ArrayList<>();
        for (CachedPage p : allPages(inode, false)) {
            if ((ctx.object("page", p.page()).u64("flags") >>> uptodateBit & 1) != 0) {
                out.add(p);
            }
        }
        return out;
    }

    private int uptodateBit = -1;

    /** All cached folios, plus swap entries (for shmem); shadow entries of other filesystems skipped. */
    public List<CachedPage> allPages(long inode, boolean keepSwapEntries) {
        return toPages(inode, xarray.entries(pagesXarray(inode)), keepSwapEntries);
    }

    private List<CachedPage> toPages(long inode, List<XArray.Entry> entries, boolean keepValues) {
        List<CachedPage> out = new ArrayList<>(entries.size());
        for (XArray.Entry e : entries) {
            if (e.order() > MAX_ORDER) {
                throw new MemoryAccessException(e.entry(), "inode 0x" + Long.toHexString(inode) + ": page cache entry at index "
                        + e.index() + " has implausible order " + e.order());
            }
            int bytes = PAGE_SIZE << e.order();
            if (e.value()) {
                if (keepValues) {
                    out.add(new CachedPage(e.index(), 0, -1, bytes, e.toValue()));
                }
                continue;
            }
            out.add(new CachedPage(e.index(), e.entry(), ctx.pageToPhys().applyAsLong(e.entry()), bytes, 0));
        }
        return out;
    }

    /** The bytes of a resident cached page. */
    public byte[] read(CachedPage p) {
        if (!p.resident()) {
            throw new MemoryAccessException(p.index(), "page at index " + p.index() + " is swapped out (swap entry 0x"
                    + Long.toHexString(p.swapEntry()) + ")");
        }
        return ctx.phys().readBytes(p.phys(), p.bytes());
    }

    /**
     * A stream of the first {@code size} bytes of the inode's contents as the page cache holds them:
     * pages in index order, holes and swapped-out pages read as zeros (see
     * {@link #swappedIndexes(long)} for the latter). Meant for shmem/tmpfs/memfd/SysV shm inodes, whose
     * page cache is the file.
     */
    public InputStream readShmemFile(long inode) {
        long size = ctx.object("inode", inode).s64("i_size");
        List<CachedPage> pages = allPages(inode, false);
        return new ContentStream(pages, Math.max(size, 0));
    }

    /** Indexes of the inode's pages that are swapped out (contents not in the dump). */
    public List<Long> swappedIndexes(long inode) {
        List<Long> out = new ArrayList<>();
        for (CachedPage p : allPages(inode, true)) {
            if (!p.resident()) {
                out.add(p.index());
            }
        }
        return out;
    }

    /** Streams pages in index order, zero-filling gaps. */
    private final class ContentStream extends InputStream {
        private final List<CachedPage> pages;
        private final long size;
        private long pos;
        private int next;
        private byte[] cur;
        private long curStart;

        ContentStream(List<CachedPage> pages, long size) {
            this.pages = pages;
            this.size = size;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos >= size) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = (int) Math.min(len, size - pos);
            if (cur != null && pos >= curStart && pos < curStart + cur.length) {
                n = (int) Math.min(n, curStart + cur.length - pos);
                System.arraycopy(cur, (int) (pos - curStart), b, off, n);
                pos += n;
                return n;
            }
            while (next < pages.size() && (pages.get(next).index() * PAGE_SIZE + pages.get(next).bytes()) <= pos) {
                next++;
            }
            if (next < pages.size() && pages.get(next).index() * PAGE_SIZE <= pos) {
                CachedPage p = pages.get(next++);
                try {
                    cur = PageCache.this.read(p);
                } catch (MemoryAccessException e) {
                    throw new IOException("page cache page at index " + p.index() + ": " + e.getMessage(), e);
                }
                curStart = p.index() * PAGE_SIZE;
                return read(b, off, len);
            }
            long holeEnd = next < pages.size() ? pages.get(next).index() * PAGE_SIZE : size;
            n = (int) Math.min(n, holeEnd - pos);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            pos += n;
            return n;
        }
    }
}
