package org.otherworld.agent.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
