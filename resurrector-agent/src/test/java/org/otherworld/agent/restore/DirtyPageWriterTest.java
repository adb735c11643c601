package org.otherworld.agent.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.files.DirtyPages.DirtyFile;
import org.otherworld.agent.files.DirtyPages.DirtyPage;

class DirtyPageWriterTest {
    @TempDir
    Path root;

    private static byte[] page(int fill) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    private DirtyPageWriter writer() {
        return new DirtyPageWriter(root, p -> page((int) p.index() + 1), false);
    }

    @Test
    void writesPagesAtTheirOffsetsAndTruncatesToSize() throws Exception {
        Files.createDirectories(root.resolve("data"));
        Path f = root.resolve("data/file");
        Files.write(f, new byte[20000]); // on disk: longer than the dead kernel's i_size, all zeros
        DirtyFile df = new DirtyFile(0, "ext4", true, 0, 12, "/data/file", 3 * 4096 + 100,
                List.of(new DirtyPage(0, 0, 4096), new DirtyPage(3, 0, 4096), new DirtyPage(9, 0, 4096)));
        DirtyPageWriter.Result r = writer().write(List.of(df));
        assertEquals(1, r.filesWritten());
        assertEquals(2, r.pagesWritten()); // page 9 lies beyond i_size
        assertEquals(4096 + 100, r.bytesWritten());
        byte[] got = Files.readAllBytes(f);
        assertEquals(3 * 4096 + 100, got.length);
        assertEquals(1, got[0]);
        assertEquals(0, got[4096]); // untouched on-disk page
        assertEquals(4, got[3 * 4096]);
        assertEquals(4, got[3 * 4096 + 99]);
    }

    @Test
    void extendsAShortFileAndSkipsVolatileOnes() throws Exception {
        Files.createDirectories(root.resolve("data"));
        DirtyFile grow = new DirtyFile(0, "ext4", true, 0, 13, "/data/new", 2 * 4096 + 10,
                List.of(new DirtyPage(0, 0, 4096)));
        DirtyFile tmp = new DirtyFile(0, "tmpfs", false, 0, 14, "/data/tmpfile", 10, List.of(new DirtyPage(0, 0, 4096)));
        DirtyFile lostDir = new DirtyFile(0, "ext4", true, 0, 15, "/gone/sub/x", 10, List.of(new DirtyPage(0, 0, 4096)));
        DirtyFile outside = new DirtyFile(0, "ext4", true, 0, 16, "/../../x", 10, List.of(new DirtyPage(0, 0, 4096)));
        DirtyPageWriter.Result r = writer().write(List.of(grow, tmp, lostDir, outside));
        assertEquals(2, r.filesWritten());
        assertEquals(3, r.files().size()); // the tmpfs file is not even attempted
        // directories lost with an uncommitted journal transaction are made again
        assertEquals(10, Files.size(root.resolve("gone/sub/x")));
        assertNotNull(r.files().get(2).error());
        byte[] got = Files.readAllBytes(root.resolve("data/new"));
        assertEquals(2 * 4096 + 10, got.length);
        assertArrayEquals(page(1), Arrays.copyOf(got, 4096));
        assertEquals(0, got[2 * 4096 + 9]);
        assertEquals(false, Files.exists(root.resolve("data/tmpfile")));
    }

    @Test
    void aShortFileGetsItsCleanCachedTailToo() throws Exception {
        Files.createDirectories(root.resolve("data"));
        Path f = root.resolve("data/journal.log");
        Files.write(f, new byte[4096 + 10]); // committed: one page and 10 bytes
        // i_size 4 pages; page 3 dirty; pages 1 and 2 clean in the cache (written back, size not committed)
        DirtyFile df = new DirtyFile(0, "ext4", true, 7, 20, "/data/journal.log", 4 * 4096,
                List.of(new DirtyPage(3, 0, 4096)));
        DirtyPageWriter w = writer().cachedPages(x -> List.of(new DirtyPage(0, 0, 4096), new DirtyPage(1, 0, 4096),
                new DirtyPage(2, 0, 4096), new DirtyPage(3, 0, 4096)));
        DirtyPageWriter.FileResult r = w.writeOne(df);
        assertEquals(null, r.error());
        assertEquals(4096 + 10, r.diskSize());
        assertEquals(0, r.uncachedBytes());
        assertEquals(3, r.pages()); // pages 1, 2 (clean tail) and 3 (dirty); page 0 was on disk
        byte[] got = Files.readAllBytes(f);
        assertEquals(4 * 4096, got.length);
        assertEquals(0, got[0]); // committed page left alone
        assertEquals(2, got[4096]);
        assertEquals(3, got[2 * 4096]);
        assertEquals(4, got[3 * 4096]);
        // without a cache source the gap is reported, not invented
        Files.write(f, new byte[4096 + 10]);
        DirtyPageWriter.FileResult bare = writer().writeOne(df);
        assertEquals(2 * 4096 - 10, bare.uncachedBytes());
    }

    /**
     * A journal-pending file (clean pages only, last change in an uncommitted transaction): only the pages
     * the disk does not hold as the cache does are written; a file the disk holds exactly is not touched.
     */
    @Test
    void aJournalPendingFileGetsOnlyTheCleanPagesTheDiskLost() throws Exception {
        Files.createDirectories(root.resolve("data"));
        List<DirtyPage> cached = List.of(new DirtyPage(0, 0, 4096), new DirtyPage(1, 0, 4096), new DirtyPage(2, 0, 4096));
        DirtyPageWriter w = writer().cachedPages(x -> cached);
        // on disk: page 0 as cached, page 1 zeros (an extent whose conversion to written was lost), page 2 as cached
        Path f = root.resolve("data/app.log");
        byte[] disk = new byte[3 * 4096 - 1000];
        System.arraycopy(page(1), 0, disk, 0, 4096);
        System.arraycopy(page(3), 0, disk, 2 * 4096, disk.length - 2 * 4096);
        Files.write(f, disk);
        DirtyFile pending = new DirtyFile(0, "ext4", true, 0, 30, "/data/app.log", 3 * 4096 - 1000, List.of(), true);
        DirtyPageWriter.FileResult r = w.writeOne(pending);
        assertEquals(null, r.error());
        assertEquals(3, r.verifiedPages());
        assertEquals(1, r.repairedPages());
        assertEquals(1, r.pages());
        assertEquals(true, r.written());
        byte[] got = Files.readAllBytes(f);
        assertEquals(3 * 4096 - 1000, got.length);
        assertEquals(2, got[4096]);
        assertEquals(3, got[got.length - 1]);

        // now the disk holds it exactly: compared, not opened for writing
        long before = Files.getLastModifiedTime(f).toMillis();
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(before - 60_000));
        DirtyPageWriter.Result again = w.write(List.of(pending));
        assertEquals(0, again.filesWritten());
        assertEquals(false, again.files().get(0).written());
        assertEquals(3, again.files().get(0).verifiedPages());
        assertEquals(before - 60_000, Files.getLastModifiedTime(f).toMillis());

        // lost entirely (created in the uncommitted transaction): written whole from the cache
        Files.delete(f);
        DirtyPageWriter.FileResult made = w.writeOne(pending);
        assertEquals(-1, made.diskSize());
        assertEquals(3, made.repairedPages());
        assertEquals(3 * 4096 - 1000, Files.size(f));
        // an empty file created in the lost transaction is created again
        DirtyFile empty = new DirtyFile(0, "ext4", true, 0, 31, "/data/lock", 0, List.of(), true);
        assertEquals(true, writer().writeOne(empty).written());
        assertEquals(0, Files.size(root.resolve("data/lock")));
        // a pending file with no path here is not attempted, and says so
        DirtyFile gone = new DirtyFile(0, "ext4", true, 0, 32, "/data/old (deleted)", 10, List.of(), true);
        assertEquals(true, writer().writeOne(gone).unreachable());
    }

    /** Past the comparison budget a pending file gets the size rule only, and says so. */
    @Test
    void pendingFilesBeyondTheComparisonBudgetGetTheSizeRuleOnly() throws Exception {
        Files.createDirectories(root.resolve("data"));
        List<DirtyPage> cached = List.of(new DirtyPage(0, 0, 4096), new DirtyPage(1, 0, 4096), new DirtyPage(2, 0, 4096));
        Path f = root.resolve("data/db");
        Files.write(f, new byte[2 * 4096]); // two zero pages on disk (both lost), the third beyond the end
        DirtyFile pending = new DirtyFile(0, "ext4", true, 0, 40, "/data/db", 3 * 4096, List.of(), true);
        DirtyPageWriter w = writer().cachedPages(x -> cached).compareBudget(4096); // one page's worth: not enough
        DirtyPageWriter.FileResult r = w.writeOne(pending);
        assertEquals(true, r.overBudget());
        assertEquals(0, r.verifiedPages());
        assertEquals(1, r.repairedPages()); // the tail beyond the on-disk end only
        byte[] got = Files.readAllBytes(f);
        assertEquals(0, got[0]); // not compared, not repaired
        assertEquals(3, got[2 * 4096]);
        // with budget for both, both lost pages are repaired
        Files.write(f, new byte[2 * 4096]);
        DirtyPageWriter.FileResult full = writer().cachedPages(x -> cached).compareBudget(2 * 4096).writeOne(pending);
        assertEquals(false, full.overBudget());
        assertEquals(3, full.repairedPages());
        assertEquals(1, Files.readAllBytes(f)[0]);
    }
}
