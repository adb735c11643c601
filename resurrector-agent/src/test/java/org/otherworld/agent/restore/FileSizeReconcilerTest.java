package org.otherworld.agent.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.files.DirtyPages.DirtyPage;
import org.otherworld.agent.restore.FileSizeReconciler.Candidate;
import org.otherworld.agent.restore.FileSizeReconciler.Outcome;

class FileSizeReconcilerTest {
    @TempDir
    Path root;

    /** Page N of every file is filled with 'a' + N; inode 0x100 has page 0 cached, inode 3 page 2. */
    private FileSizeReconciler reconciler() {
        DirtyPageWriter w = new DirtyPageWriter(root, p -> {
            byte[] b = new byte[4096];
            Arrays.fill(b, (byte) ('a' + p.index()));
            return b;
        }, false).cachedPages(f -> f.inode() == 0x100 ? List.of(new DirtyPage(0, 0, 4096))
                : f.inode() == 3 ? List.of(new DirtyPage(2, 0, 4096)) : List.of());
        return new FileSizeReconciler(root, w);
    }

    @Test
    void aFileWhoseSizeWasNotCommittedGetsItsCachedContents() throws Exception {
        Files.createDirectories(root.resolve("data/work"));
        Path log = root.resolve("data/work/fpu.log");
        Files.write(log, new byte[0]); // journal recovery left the old (empty) inode
        Path same = root.resolve("data/work/same");
        Files.write(same, new byte[] {9, 9, 9});
        List<Candidate> open = List.of(new Candidate("/data/work/fpu.log", 0x100, 12, 135),
                new Candidate("/data/work/same", 0x200, 13, 3),
                new Candidate("/data/work/fpu.log", 0x100, 12, 135)); // held by two processes: once
        List<Outcome> out = reconciler().reconcile(open, Set.of());
        assertEquals(1, out.size());
        Outcome o = out.get(0);
        assertNull(o.error());
        assertEquals(0, o.diskSize());
        assertEquals(1, o.pages());
        assertEquals(0, o.uncached());
        byte[] got = Files.readAllBytes(log);
        assertEquals(135, got.length);
        assertEquals('a', got[134]);
        assertEquals(3, Files.size(same)); // equal size: untouched
        assertEquals(9, Files.readAllBytes(same)[0]);
    }

    @Test
    void missingFilesAndDirectoriesAreMadeAndGapsCounted() throws Exception {
        Files.createDirectories(root.resolve("d"));
        List<Candidate> open = List.of(new Candidate("/d/written", 1, 1, 10), new Candidate("/d/x (deleted)", 2, 2, 10),
                new Candidate("/d/new/gap", 3, 3, 3 * 4096));
        List<Outcome> out = reconciler().reconcile(open, Set.of(1L));
        assertEquals(1, out.size());
        assertEquals("/d/new/gap", out.get(0).path());
        assertEquals(-1, out.get(0).diskSize()); // neither the file nor its directory had been committed
        assertEquals(2 * 4096, out.get(0).uncached()); // [0, 8192) is in neither the cache nor the old file
        byte[] got = Files.readAllBytes(root.resolve("d/new/gap"));
        assertEquals(3 * 4096, got.length);
        assertEquals('c', got[2 * 4096]);
        assertEquals(false, Files.exists(root.resolve("d/written")));
    }
}
