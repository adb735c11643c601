package org.otherworld.agent.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DirtyPagesTest {
    MiniFs fs;
    long ext4, tmpfs, dataMnt, dataRoot;

    @BeforeEach
    void setUp() {
        fs = new MiniFs();
        fs.mem.zero(MiniFs.SUPER_BLOCKS, 16);
        ext4 = fs.superBlock("ext4", 254 << 20, true);
        tmpfs = fs.superBlock("tmpfs", 1, false);
        fs.listAdd(MiniFs.SUPER_BLOCKS, ext4);
        fs.listAdd(MiniFs.SUPER_BLOCKS, tmpfs);
        long rootSb = fs.superBlock("rootfs", 2, false);
        long root = fs.dentry("/", 0, 0);
        long rootMnt = fs.mount(rootSb, root, 0, 0, 1);
        dataRoot = fs.dentry("/", 0, 0);
        fs.setRoot(ext4, dataRoot);
        dataMnt = fs.mount(ext4, dataRoot, rootMnt, fs.dentry("data", root, 0), 28);
    }

    /** A page: struct page in vmemmap, contents filled with {@code fill} in physical memory. */
    long page(int pfn, int fill) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) fill);
        fs.phys.write((long) pfn << 12, b);
        long page = MiniFs.VMEMMAP + 64L * pfn;
        fs.mem.zero(page, 64);
        return page;
    }

    /** An xa_node (shift 0) under the inode's i_pages with the given slots; marks[0] = dirty slots. */
    void pages(long inode, long[] slots, int[] dirty) {
        pages(inode, slots, dirty, new int[0]);
    }

    /** As above, with marks[1] = slots under writeback. */
    void pages(long inode, long[] slots, int[] dirty, int[] writeback) {
        long xa = inode + 80 + 8;
        long node = fs.alloc(576);
        for (int i = 0; i < slots.length; i++) {
            fs.mem.u64(node + 40 + 8L * i, slots[i]);
        }
        long marks = 0;
        for (int d : dirty) {
            marks |= 1L << d;
        }
        fs.mem.u64(node + 552, marks);
        long wbMarks = 0;
        for (int w : writeback) {
            wbMarks |= 1L << w;
        }
        fs.mem.u64(node + 560, wbMarks);
        fs.mem.u64(xa + 8, node | 2);
        fs.mem.u32(xa + 4, (dirty.length > 0 ? 1 << 27 : 0) // XA_FLAGS_MARK(0)
                | (writeback.length > 0 ? 1 << 28 : 0)); // XA_FLAGS_MARK(1)
    }

    @Test
    void pagesUnderWritebackAreUnwrittenToo() {
        long work = fs.dentry("work", dataRoot, 0);
        // written back by the flusher just before the crash: I_DIRTY_PAGES already cleared, I/O in flight
        long wb = fs.inode(ext4, 30, OpenFile.S_IFREG | 0644, 2 * 4096);
        fs.alias(wb, fs.dentry("wb.log", work, wb));
        pages(wb, new long[] {page(110, 0xb0), page(111, 0xb1)}, new int[] {1}, new int[] {0, 1});

        DirtyPages.Result r = new DirtyPages(fs.ctx).scan();
        assertEquals(List.of(), r.errors());
        assertEquals(1, r.files().size());
        assertEquals(List.of(new DirtyPages.DirtyPage(0, 110L << 12, 4096), new DirtyPages.DirtyPage(1, 111L << 12, 4096)),
                r.files().get(0).pages());
        // only under writeback, no dirty mark at all: still taken
        long only = fs.inode(ext4, 31, OpenFile.S_IFREG | 0644, 4096);
        fs.alias(only, fs.dentry("only.log", work, only));
        pages(only, new long[] {page(120, 0xc0)}, new int[] {}, new int[] {0});
        r = new DirtyPages(fs.ctx).scan();
        assertEquals(2, r.files().size());
        assertEquals("/data/work/only.log", r.files().get(1).path());
    }

    @Test
    void findsDirtyPagesOfPersistentFiles() {
        long work = fs.dentry("work", dataRoot, 0);
        long dirty = fs.inode(ext4, 28, OpenFile.S_IFREG | 0644, 3 * 4096 + 10);
        fs.alias(dirty, fs.dentry("out.log", work, dirty));
        fs.mem.u64(dirty + 40, DirtyPages.I_DIRTY_PAGES);
        pages(dirty, new long[] {page(100, 0xa0), page(101, 0xa1), 0, page(103, 0xa3)}, new int[] {1, 3});
        long clean = fs.inode(ext4, 29, OpenFile.S_IFREG | 0644, 4096);
        fs.alias(clean, fs.dentry("clean", work, clean));
        pages(clean, new long[] {page(200, 1)}, new int[] {});

        DirtyPages dp = new DirtyPages(fs.ctx);
        DirtyPages.Result r = dp.scan();
        assertEquals(List.of(), r.errors());
        assertEquals(2, r.superblocks());
        assertEquals(1, r.files().size());
        DirtyPages.DirtyFile f = r.files().get(0);
        assertEquals("/data/work/out.log", f.path());
        assertEquals(28, f.ino());
        assertEquals("ext4", f.fsType());
        assertTrue(f.persistent());
        assertEquals(3 * 4096 + 10, f.size());
        assertEquals(List.of(new DirtyPages.DirtyPage(1, 101L << 12, 4096), new DirtyPages.DirtyPage(3, 103L << 12, 4096)),
                f.pages());
        assertEquals((byte) 0xa3, dp.read(f.pages().get(1))[17]);
        assertEquals(3 * 4096, f.pages().get(1).fileOffset());
        assertEquals(1, r.persistent().size());
    }

    @Test
    void shmemContentsStreamWithHolesAsZeros() throws Exception {
        long shm = fs.inode(tmpfs, 5, OpenFile.S_IFREG | 0600, 3 * 4096 - 100);
        long swapEntry = (0x1234L << 1) | 1; // xa_mk_value: a swapped-out page
        pages(shm, new long[] {page(300, 7), 0, page(302, 9), swapEntry}, new int[] {});
        PageCache pc = new PageCache(fs.ctx);
        byte[] all;
        try (InputStream in = pc.readShmemFile(shm)) {
            all = in.readAllBytes();
        }
        assertEquals(3 * 4096 - 100, all.length);
        byte[] expect = new byte[all.length];
        Arrays.fill(expect, 0, 4096, (byte) 7);
        Arrays.fill(expect, 8192, expect.length, (byte) 9);
        assertArrayEquals(expect, all);
        assertEquals(List.of(3L), pc.swappedIndexes(shm));
        // the tmpfs inode is not reported as dirty (no dirty mark)
        assertTrue(new DirtyPages(fs.ctx).scan().files().isEmpty());
    }

    @Test
    void inodeBudgetIsEnforced() {
        for (int i = 0; i < 5; i++) {
            fs.inode(ext4, 50 + i, OpenFile.S_IFREG, 0);
        }
        DirtyPages.Result r = new DirtyPages(fs.ctx).maxInodes(3).scan();
        assertEquals(3, r.inodesChecked());
        assertTrue(r.errors().get(0).contains("more than"), r.errors().toString());
    }

    /**
     * ext4 with a journal: a regular file whose last change is in a transaction after the last committed one
     * is taken with its clean pages left to the writer (journalPending); committed ones are not; a pending
     * file with nothing cached is taken only when empty (it may have been created in the lost transaction).
     */
    @Test
    void filesChangedInAnUncommittedJournalTransactionAreTaken() {
        fs.journal(ext4, 41);
        long work = fs.dentry("work", dataRoot, 0);
        long recent = fs.ext4Inode(ext4, 60, OpenFile.S_IFREG | 0644, 65, 42, 42);
        fs.alias(recent, fs.dentry("recent.log", work, recent));
        pages(recent, new long[] {page(400, 0x61)}, new int[] {});
        fs.mem.u64(recent + 80 + 24, 1); // nrpages
        long committed = fs.ext4Inode(ext4, 61, OpenFile.S_IFREG | 0644, 4096, 41, 40);
        fs.alias(committed, fs.dentry("old.log", work, committed));
        pages(committed, new long[] {page(401, 0x62)}, new int[] {});
        fs.mem.u64(committed + 80 + 24, 1);
        long emptyNew = fs.ext4Inode(ext4, 62, OpenFile.S_IFREG | 0644, 0, 41, 42); // datasync tid pending
        fs.alias(emptyNew, fs.dentry("lock", work, emptyNew));
        long bigUncached = fs.ext4Inode(ext4, 63, OpenFile.S_IFREG | 0644, 8192, 42, 42);
        fs.alias(bigUncached, fs.dentry("evicted", work, bigUncached));
        long dir = fs.ext4Inode(ext4, 64, 0040755, 4096, 42, 42);
        fs.alias(dir, fs.dentry("newdir", work, dir));

        DirtyPages.Result r = new DirtyPages(fs.ctx).scan();
        assertEquals(List.of(), r.errors());
        assertEquals(List.of((254 << 20) + ":41"), r.journals());
        assertEquals(List.of("/data/work/recent.log", "/data/work/lock"), r.files().stream().map(DirtyPages.DirtyFile::path).toList());
        DirtyPages.DirtyFile f = r.files().get(0);
        assertTrue(f.journalPending());
        assertEquals(List.of(), f.pages());
        assertEquals(65, f.size());
        assertEquals(List.of(new PageCache.CachedPage(0, page(400, 0x61), 400L << 12, 4096, 0)),
                new PageCache(fs.ctx).allPages(recent, false));
    }

    @Test
    void transactionIdsCompareAcrossTheirWrap() {
        assertTrue(Ext4Journal.after(5, 4));
        assertTrue(!Ext4Journal.after(4, 4));
        assertTrue(!Ext4Journal.after(3, 4));
        assertTrue(Ext4Journal.after(2, 0xfffffffeL)); // 2 comes after 2^32-2
        assertTrue(!Ext4Journal.after(0xfffffffeL, 2));
    }

    /** Without ext4's types (ext4 built as a module) the scan says so and still finds dirty pages. */
    @Test
    void anUnknownJournalLayoutIsReportedNotFatal() {
        MiniFs bare = new MiniFs();
        // a superblock whose s_fs_info points at unreadable memory
        bare.mem.zero(MiniFs.SUPER_BLOCKS, 16);
        long sb = bare.superBlock("ext4", 7, true);
        bare.listAdd(MiniFs.SUPER_BLOCKS, sb);
        bare.mem.u64(sb + 80, 0xffff888077000000L);
        DirtyPages.Result r = new DirtyPages(bare.ctx).scan();
        assertEquals(1, r.errors().size(), r.errors().toString());
        assertTrue(r.errors().get(0).contains("journal state unknown"), r.errors().toString());
    }

    /** A clean folio that was being read in at the crash (not PG_uptodate) is never offered for writing. */
    @Test
    void onlyUptodateFoliosAreOfferedAsCleanPages() {
        long f = fs.inode(ext4, 70, OpenFile.S_IFREG | 0644, 3 * 4096);
        long ok = page(500, 1);
        long reading = page(501, 0);
        long ok2 = page(502, 3);
        fs.mem.u64(ok, 1L << 2);
        fs.mem.u64(reading, 1L); // PG_locked only: read I/O in flight
        fs.mem.u64(ok2, (1L << 2) | (1L << 1));
        pages(f, new long[] {ok, reading, ok2}, new int[] {});
        PageCache pc = new PageCache(fs.ctx);
        assertEquals(3, pc.allPages(f, false).size());
        assertEquals(List.of(0L, 2L), pc.uptodatePages(f).stream().map(PageCache.CachedPage::index).toList());
    }
}
