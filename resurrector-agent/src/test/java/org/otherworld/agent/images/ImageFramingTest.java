package org.otherworld.agent.images;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.proto.PstreeEntry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFramingTest {
    @TempDir
    Path dir;

    private static int u32(byte[] b, int off) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(off);
    }

    @Test
    void imagesStartWithCommonMagicThenTypeMagicThenLengthPrefixedEntries() throws IOException {
        PstreeEntry e = PstreeEntry.newBuilder().setPid(7).setPpid(0).setPgid(7).setSid(7).addThreads(7).build();
        Path f = dir.resolve("pstree.img");
        try (ImageOutput o = ImageOutput.create(f, ImageFormat.PSTREE_MAGIC)) {
            o.write(e);
        }
        byte[] b = Files.readAllBytes(f);
        assertEquals(0x54564319, u32(b, 0));
        assertEquals(0x50273030, u32(b, 4));
        assertEquals(e.getSerializedSize(), u32(b, 8));
        assertEquals(12 + e.getSerializedSize(), b.length);
        try (ImageInput in = ImageInput.open(f, ImageFormat.PSTREE_MAGIC)) {
            assertEquals(e, in.next(PstreeEntry.parser()));
            assertNull(in.next(PstreeEntry.parser()));
        }
    }

    @Test
    void inventoryHasOnlyItsOwnMagicAndPagesAreRaw() throws IOException {
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, SyntheticTree.tree());
        byte[] inv = Files.readAllBytes(dir.resolve("inventory.img"));
        assertEquals(0x58313116, u32(inv, 0));
        byte[] pages = Files.readAllBytes(dir.resolve("pages-1.img"));
        byte[] first = Arrays.copyOf(pages, ImageFormat.PAGE_SIZE);
        assertTrue(Arrays.equals(SyntheticTree.page(SyntheticTree.DATA), first), "pages-1.img starts with the first page");
        assertEquals(ImageFormat.MM_MAGIC, ImageFormat.magicForName("mm-100.img"));
        assertEquals(0, ImageFormat.magicForName("pages-1.img"));
    }

    @Test
    void wrongMagicIsReported() throws IOException {
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, SyntheticTree.tree());
        ImageFormatException ex = assertThrows(ImageFormatException.class,
                () -> ImageInput.open(dir.resolve("mm-100.img"), ImageFormat.CORE_MAGIC));
        assertTrue(ex.getMessage().contains("mm-100.img: bad image magic 0x57492820"), ex.getMessage());
        byte[] b = Files.readAllBytes(dir.resolve("core-100.img"));
        b[0] ^= 1;
        Files.write(dir.resolve("core-100.img"), b);
        ex = assertThrows(ImageFormatException.class, () -> new ImageReader(XsaveLayout.INTEL_AVX512).read(dir));
        assertTrue(ex.getMessage().startsWith("core-100.img: bad head magic"), ex.getMessage());
    }

    @Test
    void truncatedEntryIsReported() throws IOException {
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, SyntheticTree.tree());
        Path core = dir.resolve("core-101.img");
        byte[] b = Files.readAllBytes(core);
        Files.write(core, Arrays.copyOf(b, b.length - 10));
        ImageFormatException ex = assertThrows(ImageFormatException.class,
                () -> new ImageReader(XsaveLayout.INTEL_AVX512).read(dir));
        assertTrue(ex.getMessage().matches("core-101.img: truncated entry at offset 8: \\d+ of \\d+ bytes"), ex.getMessage());
        Files.write(core, Arrays.copyOf(b, 10));
        ex = assertThrows(ImageFormatException.class, () -> new ImageReader(XsaveLayout.INTEL_AVX512).read(dir));
        assertTrue(ex.getMessage().contains("truncated entry size"), ex.getMessage());
        Files.write(core, Arrays.copyOf(b, 6));
        ex = assertThrows(ImageFormatException.class, () -> new ImageReader(XsaveLayout.INTEL_AVX512).read(dir));
        assertTrue(ex.getMessage().contains("truncated magic"), ex.getMessage());
    }

    @Test
    void inconsistentPagesAndMissingFilesAreReported() throws IOException {
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, SyntheticTree.tree());
        Path pages = dir.resolve("pages-2.img");
        Files.write(pages, new byte[3]);
        ImageFormatException ex = assertThrows(ImageFormatException.class,
                () -> new ImageReader(XsaveLayout.INTEL_AVX512).read(dir));
        assertEquals("pages-2.img: 3 bytes, but pagemap-102.img lists 1 present pages", ex.getMessage());
        Files.delete(dir.resolve("fs-102.img"));
        Files.write(pages, new byte[ImageFormat.PAGE_SIZE]);
        ex = assertThrows(ImageFormatException.class, () -> new ImageReader(XsaveLayout.INTEL_AVX512).read(dir));
        assertEquals("fs-102.img: image file missing", ex.getMessage());
    }

    @Test
    void writerRejectsPagesOutsideVmasOrOutOfOrder() {
        ProcessImage p = SyntheticTree.tree().get(0);
        for (List<Long> bad : List.of(List.of(0x5000L), List.of(SyntheticTree.HEAP + 0x1000, SyntheticTree.HEAP),
                List.of(SyntheticTree.HEAP + 1))) {
            ProcessImage q = new ProcessImage(p.pid(), 0, p.pgid(), p.sid(), p.comm(), 0, 0, p.threads(), p.mm(),
                    SyntheticTree.pages(bad), p.fds(), p.fs(), p.sigactions(), p.creds(), p.rlimits(), null);
            assertThrows(IllegalArgumentException.class,
                    () -> new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, List.of(q)), bad.toString());
        }
    }

    @Test
    void streamsManyPagesWithBoundedMemory() throws IOException {
        int n = 10_000;
        long base = SyntheticTree.HEAP;
        VmaImage big = new VmaImage(base, base + (n + 16) * (long) ImageFormat.PAGE_SIZE, 0,
                VmaStatus.PROT_READ | VmaStatus.PROT_WRITE, VmaStatus.MAP_PRIVATE | VmaStatus.MAP_ANONYMOUS,
                VmaStatus.AREA_REGULAR | VmaStatus.ANON_PRIVATE, null, 0);
        ProcessImage p = SyntheticTree.tree().get(0);
        long[] heapAtEnd = new long[2];
        Runtime rt = Runtime.getRuntime();
        PageSource source = sink -> {
            System.gc();
            heapAtEnd[0] = rt.totalMemory() - rt.freeMemory();
            byte[] buf = new byte[ImageFormat.PAGE_SIZE]; // one buffer reused for every page
            for (int i = 0; i < n; i++) {
                buf[0] = (byte) i;
                buf[1] = (byte) (i >> 8);
                long va = base + (long) (i + i / 1000) * ImageFormat.PAGE_SIZE; // a hole every 1000 pages
                sink.page(va, buf, 0);
            }
            System.gc();
            heapAtEnd[1] = rt.totalMemory() - rt.freeMemory();
        };
        ProcessImage q = new ProcessImage(p.pid(), 0, p.pgid(), p.sid(), p.comm(), 0, 0, p.threads(),
                new MmImage(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, "/bin/x", List.of(big), 1), source, p.fds(),
                p.fs(), p.sigactions(), p.creds(), p.rlimits(), null);
        WriteResult r = new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, List.of(q));
        assertEquals(n, r.pagesWritten());
        assertEquals(10, r.pagemapEntries());
        assertEquals((long) n * ImageFormat.PAGE_SIZE, Files.size(dir.resolve("pages-1.img")));
        long growth = heapAtEnd[1] - heapAtEnd[0];
        assertTrue(growth < 8L << 20, "heap grew by " + growth + " bytes while streaming 40 MB of pages");
        int[] count = {0};
        new ImageReader(XsaveLayout.INTEL_AVX512).read(dir).processes().get(0).pages().forEachPage((va, d, off) -> {
            int i = (d[off] & 0xff) | (d[off + 1] & 0xff) << 8;
            assertEquals(base + (long) (i + i / 1000) * ImageFormat.PAGE_SIZE, va);
            count[0]++;
        });
        assertEquals(n, count[0]);
    }
}
