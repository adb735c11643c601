package org.otherworld.agent.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.otherworld.agent.images.proto.PagemapEntry;
import org.otherworld.agent.images.proto.PagemapHead;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bulk path of {@link PagesWriter}: runs split at VMA ends, skipped VMAs, mixed with single pages. */
class PagesWriterTest {
    private static final int PAGE = ImageFormat.PAGE_SIZE;
    private static final int PRIV = VmaStatus.ANON_PRIVATE;
    private static final int SHARED_FILE = VmaStatus.FILE_SHARED;

    private static VmaImage vma(long start, long end, int status) {
        return new VmaImage(start, end, 0, VmaStatus.PROT_READ, VmaStatus.MAP_PRIVATE, status, null, 0);
    }

    private static ByteBuffer pages(int first, int count) {
        ByteBuffer b = ByteBuffer.allocateDirect(count * PAGE);
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < PAGE; j++) {
                b.put((byte) (first + i));
            }
        }
        return b.flip();
    }

    private static List<PagemapEntry> pagemap(Path dir, int pid) throws IOException {
        List<PagemapEntry> out = new ArrayList<>();
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.pagemap(pid)), ImageFormat.PAGEMAP_MAGIC)) {
            assertEquals(1, in.next(PagemapHead.parser()).getPagesId());
            for (PagemapEntry e; (e = in.next(PagemapEntry.parser())) != null; ) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void aRunAcrossTwoVmasAndASharedOneGivesOneEntryPerVma(@TempDir Path dir) throws IOException {
        List<VmaImage> vmas = List.of(vma(0x10000, 0x12000, PRIV), vma(0x12000, 0x13000, PRIV),
                vma(0x13000, 0x15000, SHARED_FILE), vma(0x15000, 0x20000, PRIV));
        PagesWriter w2 = new PagesWriter(dir, 7, 1, vmas);
        ByteBuffer run = pages(1, 6); // 0x10000..0x16000: 2 pages, 1 page, 2 skipped (shared file), 1 page
        byte[] single = new byte[PAGE];
        java.util.Arrays.fill(single, (byte) 9);
        try (w2) {
            w2.pages(0x10000, run, 6);
            assertEquals(0, run.remaining());
            w2.page(0x18000, single, 0);
            w2.page(0x19000, single, 0);
        }
        assertEquals(6, w2.written());
        assertEquals(2, w2.skipped());
        List<PagemapEntry> pm = pagemap(dir, 7);
        assertEquals(4, pm.size());
        assertEquals(0x10000, pm.get(0).getVaddr());
        assertEquals(2, pm.get(0).getNrPages());
        assertEquals(0x12000, pm.get(1).getVaddr());
        assertEquals(1, pm.get(1).getNrPages());
        assertEquals(0x15000, pm.get(2).getVaddr());
        assertEquals(1, pm.get(2).getNrPages());
        assertEquals(0x18000, pm.get(3).getVaddr());
        assertEquals(2, pm.get(3).getNrPages());
        byte[] img = Files.readAllBytes(dir.resolve(ImageFormat.pages(1)));
        assertEquals(6 * PAGE, img.length);
        byte[] expectFirst = {1, 2, 3, 6, 9, 9}; // the page values in image order (4 and 5 were skipped)
        for (int i = 0; i < expectFirst.length; i++) {
            assertEquals(expectFirst[i], img[i * PAGE], "page " + i);
            assertEquals(expectFirst[i], img[i * PAGE + PAGE - 1], "page " + i + " end");
        }
    }

    @Test
    void bulkAndSinglePagesGiveTheSameImages(@TempDir Path dir) throws IOException {
        List<VmaImage> vmas = List.of(vma(0x400000, 0x500000, PRIV));
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        ByteBuffer run = pages(10, 100);
        try (PagesWriter w = new PagesWriter(a, 1, 1, vmas)) {
            w.pages(0x400000, run.duplicate(), 100);
        }
        try (PagesWriter w = new PagesWriter(b, 1, 1, vmas)) {
            byte[] one = new byte[PAGE];
            ByteBuffer r = run.duplicate();
            for (int i = 0; i < 100; i++) {
                r.get(one);
                w.page(0x400000 + (long) i * PAGE, one, 0);
            }
        }
        assertArrayEquals(Files.readAllBytes(a.resolve(ImageFormat.pages(1))), Files.readAllBytes(b.resolve(ImageFormat.pages(1))));
        assertEquals(pagemap(a, 1), pagemap(b, 1));
        assertEquals(1, pagemap(a, 1).size());
    }

    @Test
    void aRunOutsideEveryVmaOrGoingBackwardsIsRefused(@TempDir Path dir) throws IOException {
        List<VmaImage> vmas = List.of(vma(0x10000, 0x20000, PRIV));
        try (PagesWriter w = new PagesWriter(dir, 3, 1, vmas)) {
            assertThrows(IllegalArgumentException.class, () -> w.pages(0x20000, pages(0, 1), 1));
        }
        try (PagesWriter w = new PagesWriter(dir, 3, 1, vmas)) {
            w.pages(0x14000, pages(0, 2), 2);
            assertThrows(IllegalArgumentException.class, () -> w.pages(0x15000, pages(0, 1), 1));
            assertThrows(IllegalArgumentException.class, () -> w.pages(0x18000, pages(0, 1), 2));
        }
    }

    /**
     * pages-N.img written with O_DIRECT (where the test's file system takes it) and through the page
     * cache hold the same bytes: from a long aligned direct run (written as it is), a short aligned one
     * and an unaligned one (gathered), a heap run longer than the staging buffer, and a single page.
     */
    @Test
    void directAndBufferedWritesGiveTheSameImage(@TempDir Path dir) throws IOException {
        List<VmaImage> vmas = List.of(vma(0x400000, 0x800000, PRIV));
        Path a = Files.createDirectory(dir.resolve("direct"));
        Path b = Files.createDirectory(dir.resolve("buffered"));
        boolean[] direct = new boolean[2];
        int longRun = PagesWriter.DIRECT_RUN_PAGES + 36;
        int heapPages = PagesWriter.STAGING / PAGE + 20;
        for (Path d : List.of(a, b)) {
            try (PagesWriter w = new PagesWriter(d, 1, 1, vmas, d == a)) {
                direct[d == a ? 0 : 1] = w.direct();
                long va = 0x400000;
                ByteBuffer aligned = ByteBuffer.allocateDirect((longRun + 1) * PAGE).alignedSlice(PAGE);
                aligned.put(pages(1, longRun)).flip();
                w.pages(va, aligned, longRun);
                va += (long) longRun * PAGE;
                ByteBuffer shortRun = ByteBuffer.allocateDirect(4 * PAGE).alignedSlice(PAGE);
                shortRun.put(pages(110, 2)).flip();
                w.pages(va, shortRun, 2);
                va += 2L * PAGE;
                ByteBuffer unaligned = ByteBuffer.allocateDirect(3 * PAGE + 8);
                unaligned.position(8);
                unaligned.put(pages(120, 3)).position(8);
                w.pages(va, unaligned, 3);
                va += 3L * PAGE;
                ByteBuffer heap = ByteBuffer.allocate(heapPages * PAGE);
                byte[] one = new byte[PAGE];
                for (int i = 0; i < heapPages; i++) {
                    java.util.Arrays.fill(one, (byte) (i % 100));
                    heap.put(one);
                }
                w.pages(va, heap.flip(), heapPages);
                va += (long) heapPages * PAGE;
                java.util.Arrays.fill(one, (byte) 7);
                w.page(va, one, 0);
                if (d == b) {
                    assertEquals("not wanted (-D" + PagesWriter.DIRECT_IO_PROPERTY + "=false)", w.directRefusal());
                } else {
                    assertEquals(w.direct(), w.directRefusal() == null, "a refusal is given exactly when O_DIRECT is not used");
                }
            }
        }
        assertFalse(direct[1]);
        byte[] img = Files.readAllBytes(a.resolve(ImageFormat.pages(1)));
        assertArrayEquals(img, Files.readAllBytes(b.resolve(ImageFormat.pages(1))));
        int total = longRun + 2 + 3 + heapPages + 1;
        assertEquals(total * PAGE, img.length);
        assertEquals(1, img[0]);
        assertEquals((byte) longRun, img[longRun * PAGE - 1]);
        assertEquals(111, img[(longRun + 1) * PAGE]);
        assertEquals(122, img[(longRun + 4) * PAGE + PAGE - 1]);
        assertEquals((byte) ((heapPages - 1) % 100), img[(total - 2) * PAGE]);
        assertEquals(7, img[(total - 1) * PAGE + 5]);
        assertEquals(pagemap(a, 1), pagemap(b, 1));
        assertEquals(1, pagemap(a, 1).size());
        System.out.println("PagesWriterTest: O_DIRECT in " + a + ": " + direct[0]);
    }

    /**
     * On tmpfs, which refuses O_DIRECT before Linux 6.6, the writer says why and writes through the page
     * cache; on later kernels it takes O_DIRECT. The image is right either way (which way was taken is
     * printed: the refusal path is exercised only on a machine whose tmpfs refuses).
     */
    @Test
    void onTmpfsTheImageIsRightWithOrWithoutDirectIo() throws IOException {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm),
                "skipped: no writable /dev/shm (a tmpfs) on this machine");
        Path dir = Files.createTempDirectory(shm, "pageswriter");
        try {
            List<VmaImage> vmas = List.of(vma(0x10000, 0x20000, PRIV));
            try (PagesWriter w = new PagesWriter(dir, 2, 1, vmas, true)) {
                w.pages(0x10000, pages(3, 2), 2);
                assertEquals(w.direct(), w.directRefusal() == null);
                System.out.println("PagesWriterTest: O_DIRECT on /dev/shm: " + w.direct()
                        + (w.direct() ? "" : " (" + w.directRefusal() + ")"));
            }
            byte[] img = Files.readAllBytes(dir.resolve(ImageFormat.pages(1)));
            assertEquals(2 * PAGE, img.length);
            assertEquals(4, img[PAGE]);
        } finally {
            try (var s = Files.list(dir)) {
                for (Path f : s.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }
}
