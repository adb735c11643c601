package org.otherworld.agent.mm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The swap device reader on a synthetic swap_info[] (a swap file of three extents, a partition of one)
 * and a small temporary file standing in for the block device.
 */
class SwapDeviceSourceTest {
    static final long SWAP_INFO = 0xffff_ffff_8210_0000L;
    static final long SIS = 0xffff_8880_0400_0000L;
    static final long BDEV = 0xffff_8880_0410_0000L;
    static final long EXT = 0xffff_8880_0420_0000L;
    static final int DEV = (8 << 20) | 1; // sda1
    /** flags@0 max@8 swap_extent_root@16 bdev@24; bd_dev@4; rb_right@8 rb_left@16; extent: start_page@24 nr_pages@32 start_block@40. */
    static final SwapDeviceLayout L = new SwapDeviceLayout(SWAP_INFO, 22, 0, 8, 16, 24, 4, 8, 16, 0, 24, 32, 40,
            1, 2, 1 << 8);

    @TempDir
    Path dir;
    final SparseMemory mem = new SparseMemory();

    long extent(int i, long start, long n, long block, long left, long right) {
        long e = EXT + 64L * i;
        mem.fill(e, 64, 0);
        mem.putU64(e + 8, right);
        mem.putU64(e + 16, left);
        mem.putU64(e + 24, start);
        mem.putU64(e + 32, n);
        mem.putU64(e + 40, block);
        return e;
    }

    /** swap_info[1]: a 16-page swap file in extents [0,4)->100, [4,10)->10, [10,16)->200. */
    void swapFile(long flags) {
        mem.fill(SWAP_INFO, 8 * 22, 0);
        mem.putU64(SWAP_INFO + 8, SIS);
        mem.fill(SIS, 64, 0);
        mem.putU64(SIS, flags);
        mem.putU64(SIS + 8, 16);
        mem.putU64(SIS + 24, BDEV);
        mem.fill(BDEV, 16, 0);
        mem.putU64(BDEV, (long) DEV << 32);
        long e1 = extent(1, 0, 4, 100, 0, 0);
        long e3 = extent(3, 10, 6, 200, 0, 0);
        long e2 = extent(2, 4, 6, 10, e1, e3);
        mem.putU64(SIS + 16, e2);
    }

    static byte[] filled(int v) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) v);
        return b;
    }

    /** A device file with the swap header at block {@code headerBlock} and slot s at its mapped block. */
    Path device(long headerBlock, String magic, long[][] slotToBlock) throws IOException {
        Path p = dir.resolve("disk");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(210 * 4096L);
            byte[] header = new byte[4096];
            byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(m, 0, header, 4096 - m.length, m.length);
            f.seek(headerBlock * 4096);
            f.write(header);
            for (long[] sb : slotToBlock) {
                f.seek(sb[1] * 4096);
                f.write(filled((int) sb[0]));
            }
        }
        return p;
    }

    @Test
    void swapFileSlotsAreReadThroughTheExtents() throws IOException {
        swapFile(3);
        Path disk = device(100, "SWAPSPACE2", new long[][] {{1, 101}, {5, 11}, {15, 205}});
        int[] asked = new int[2];
        try (SwapDeviceSource s = new SwapDeviceSource(mem.virt(), L, (maj, min) -> {
            asked[0] = maj;
            asked[1] = min;
            return disk;
        })) {
            assertArrayEquals(filled(1), s.readPage(1, 1).orElseThrow());
            assertArrayEquals(filled(5), s.readPage(1, 5).orElseThrow());
            assertArrayEquals(filled(15), s.readPage(1, 15).orElseThrow());
            assertEquals(8, asked[0]);
            assertEquals(1, asked[1]);
            SwapDeviceMap m = s.map(1).orElseThrow();
            assertEquals(List.of(new SwapDeviceMap.Extent(0, 4, 100), new SwapDeviceMap.Extent(4, 6, 10),
                    new SwapDeviceMap.Extent(10, 6, 200)), m.extents());
            assertEquals(11 * 4096L, m.deviceOffset(5));
            assertEquals(-1, m.deviceOffset(16));
            assertNull(s.areaError(1));
            assertEquals(Optional.empty(), s.readPage(1, 0));   // the header is no swap slot
            assertEquals(Optional.empty(), s.readPage(1, 16));  // beyond si->max
            assertEquals(Optional.empty(), s.readPage(0, 1));   // unused type
            assertNull(s.areaError(0));
            assertEquals(2, s.problems().size(), s.problems().toString());
        }
    }

    @Test
    void partitionIsOneExtentAndCompositeFallsBackToIt() throws IOException {
        swapFile(3);
        mem.putU64(SIS + 16, extent(4, 0, 16, 0, 0, 0));
        Path disk = device(0, "SWAPSPACE2", new long[][] {{9, 9}});
        try (SwapDeviceSource s = new SwapDeviceSource(mem.virt(), L, (maj, min) -> disk)) {
            assertArrayEquals(filled(9), s.readPage(1, 9).orElseThrow());
            SwapCacheSource emptyCache = new SwapCacheSource(mem.virt(), mem.phys(), SwapCacheSourceTest.LAYOUT, p -> p);
            mem.fill(SwapCacheSourceTest.SPACES, 8 * 22, 0); // no swap cache at all
            assertArrayEquals(filled(9), emptyCache.thenDevice(s).readPage(1, 9).orElseThrow());
        }
    }

    @Test
    void wrongSignatureMissingDeviceAndFsOpsAreRefused() throws IOException {
        swapFile(3);
        Path disk = device(100, "SWAP-SPACE", new long[][] {{1, 101}});
        try (SwapDeviceSource s = new SwapDeviceSource(mem.virt(), L, (maj, min) -> disk)) {
            assertEquals(Optional.empty(), s.readPage(1, 1));
            assertTrue(s.areaError(1).contains("no SWAPSPACE2 signature"), s.areaError(1));
        }
        try (SwapDeviceSource s = new SwapDeviceSource(mem.virt(), L, (maj, min) -> null)) {
            assertEquals(Optional.empty(), s.readPage(1, 1));
            assertTrue(s.areaError(1).contains("device 8:1 is not available"), s.areaError(1));
        }
        swapFile(3 | (1 << 8));
        try (SwapDeviceSource s = new SwapDeviceSource(mem.virt(), L, (maj, min) -> disk)) {
            assertEquals(Optional.empty(), s.readPage(1, 1));
            assertTrue(s.areaError(1).contains("SWP_FS_OPS"), s.areaError(1));
        }
        swapFile(1); // SWP_USED without SWP_WRITEOK: swapon not complete
        try (SwapDeviceSource s = new SwapDeviceSource(mem.virt(), L, (maj, min) -> disk)) {
            assertEquals(Optional.empty(), s.readPage(1, 1));
            assertNull(s.areaError(1));
        }
    }

    @Test
    void corruptExtentTreesEndWithAClearError() throws IOException {
        Path disk = device(100, "SWAPSPACE2", new long[][] {});
        swapFile(3);
        mem.putU64(EXT + 64 * 3 + 8, EXT + 64 * 2); // extent 3's right child -> extent 2 (cycle)
        String err = new SwapDeviceSource(mem.virt(), L, (maj, min) -> disk).areaError(1);
        assertNotNull(err);
        assertTrue(err.contains("cycle"), err);
        swapFile(3);
        mem.putU64(EXT + 64 * 3 + 24, 2); // extent 3 starts at page 2: overlaps and out of order
        err = new SwapDeviceSource(mem.virt(), L, (maj, min) -> disk).areaError(1);
        assertTrue(err.contains("out of order"), err);
        swapFile(3);
        mem.putU64(EXT + 64 * 1 + 16, 0x1234L); // a user-half left child
        err = new SwapDeviceSource(mem.virt(), L, (maj, min) -> disk).areaError(1);
        assertTrue(err.contains("not an aligned kernel address"), err);
        swapFile(3);
        mem.putU64(SIS + 24, 0); // no bdev
        err = new SwapDeviceSource(mem.virt(), L, (maj, min) -> disk).areaError(1);
        assertTrue(err.contains("bdev is NULL"), err);
        assertTrue(Files.size(disk) > 0);
    }
}
