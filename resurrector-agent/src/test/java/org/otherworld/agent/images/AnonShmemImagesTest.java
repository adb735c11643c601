package org.otherworld.agent.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.proto.MmEntry;
import org.otherworld.agent.images.proto.PagemapEntry;
import org.otherworld.agent.images.proto.PagemapHead;
import org.otherworld.agent.images.proto.VmaEntry;

/** Shared anonymous memory: VMA_ANON_SHARED VMAs with the object's key, and pagemap-shmem-KEY.img + pages. */
class AnonShmemImagesTest {
    @TempDir
    Path dir;

    static final long AT = 0x7f0000200000L, CHILD_AT = 0x7f0000400000L;
    static final long KEY = 4711;

    static VmaImage shared(long at, long len, long pgoff) {
        return new VmaImage(at, at + len, pgoff, VmaStatus.PROT_READ | VmaStatus.PROT_WRITE,
                VmaStatus.MAP_SHARED | VmaStatus.MAP_ANONYMOUS, VmaStatus.AREA_REGULAR | VmaStatus.ANON_SHARED, null, 0,
                null, KEY);
    }

    static ProcessImage with(ProcessImage p, VmaImage extra) {
        List<VmaImage> vmas = new ArrayList<>(p.mm().vmas());
        vmas.add(extra);
        vmas.sort((a, b) -> Long.compareUnsigned(a.start(), b.start()));
        MmImage m = p.mm();
        MmImage mm = new MmImage(m.startCode(), m.endCode(), m.startData(), m.endData(), m.startStack(), m.startBrk(),
                m.brk(), m.argStart(), m.argEnd(), m.envStart(), m.envEnd(), m.auxv(), m.exePath(), vmas, 1);
        return new ProcessImage(p.pid(), p.ppid(), p.pgid(), p.sid(), p.comm(), p.taskFlags(), p.personality(),
                p.threads(), mm, p.pages(), p.fds(), p.fs(), p.sigactions(), p.creds(), p.rlimits(), p.sharedPending());
    }

    static byte[] filled(int v) {
        byte[] b = new byte[ImageFormat.PAGE_SIZE];
        Arrays.fill(b, (byte) v);
        return b;
    }

    @Test
    void parentAndChildShareOneObjectWrittenOnce() throws Exception {
        List<ProcessImage> base = SyntheticTree.tree();
        // the parent maps the whole 4-page object, the child its last two pages (offset 0x2000)
        List<ProcessImage> tree = List.of(with(base.get(0), shared(AT, 0x4000, 0)),
                with(base.get(1), shared(CHILD_AT, 0x2000, 0x2000)));
        AnonShmemImage sh = new AnonShmemImage(KEY, 0x4000, sink -> {
            sink.page(0, filled(1), 0);
            sink.page(0x2000, filled(3), 0); // page 1 is a hole, page 3 all zero (left out by the source)
        });
        WriteResult w = new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree, null, null, List.of(sh));
        assertTrue(w.files().contains("pagemap-shmem-4711.img"), w.files().toString());
        assertEquals(3, w.pagesFiles());

        List<PagemapEntry> entries = new ArrayList<>();
        int pagesId;
        try (ImageInput in = ImageInput.open(dir.resolve("pagemap-shmem-4711.img"), ImageFormat.PAGEMAP_MAGIC)) {
            pagesId = in.next(PagemapHead.parser()).getPagesId();
            for (PagemapEntry e; (e = in.next(PagemapEntry.parser())) != null; ) {
                entries.add(e);
            }
        }
        assertEquals(3, pagesId); // after the two processes' pages-1 and pages-2
        assertEquals(List.of(0L, 0x2000L), entries.stream().map(PagemapEntry::getVaddr).toList());
        assertEquals(List.of(1, 1), entries.stream().map(PagemapEntry::getNrPages).toList());
        byte[] pages = Files.readAllBytes(dir.resolve(ImageFormat.pages(3)));
        assertEquals(2 * ImageFormat.PAGE_SIZE, pages.length);
        assertArrayEquals(filled(1), Arrays.copyOf(pages, ImageFormat.PAGE_SIZE));
        assertEquals(3, pages[ImageFormat.PAGE_SIZE]);

        for (int pid : new int[] {SyntheticTree.PID, SyntheticTree.CHILD}) {
            MmEntry mm;
            try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.mm(pid)), ImageFormat.MM_MAGIC)) {
                mm = in.only(MmEntry.parser());
            }
            VmaEntry v = mm.getVmasList().stream().filter(e -> e.getShmid() == KEY).findFirst().orElseThrow();
            assertEquals(VmaStatus.AREA_REGULAR | VmaStatus.ANON_SHARED, v.getStatus());
            assertEquals(VmaStatus.MAP_SHARED | VmaStatus.MAP_ANONYMOUS, v.getFlags());
            assertEquals(pid == SyntheticTree.PID ? 0 : 0x2000, v.getPgoff());
            assertEquals(-1, v.getFd());
        }
    }

    @Test
    void aVmaWhoseObjectIsMissingOrTooSmallIsAnError() {
        List<ProcessImage> tree = List.of(with(SyntheticTree.tree().get(0), shared(AT, 0x4000, 0)));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree, null, null, List.of()));
        assertTrue(missing.getMessage().contains("shared anonymous memory 4711, which is not in the set"),
                missing.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree, null, null, List.of(new AnonShmemImage(KEY, 0x2000, null))));
        assertTrue(small.getMessage().contains("goes past the 8192 bytes"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new VmaImage(AT, AT + 0x1000, 0, 0, 0,
                VmaStatus.AREA_REGULAR | VmaStatus.ANON_PRIVATE, null, 0, null, KEY));
    }
}
