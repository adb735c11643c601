package org.otherworld.agent.mm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.otherworld.agent.vmcore.MemoryAccessException;

class AddressSpaceTest {
    static final long PAGE_OFFSET = 0xff11_0000_0000_0000L; // 5-level page_offset_base (no KASLR)
    static final long PHYS_BASE = 0x2000_0000L;

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i * 7);
        }
        return b;
    }

    @Test
    void kernelDirectMapImageAndVmalloc() {
        SparseMemory mem = new SparseMemory();
        PageTableBuilder b = new PageTableBuilder(mem, 5, 0x100000);
        mem.write(0x50_0ff0L, bytes(32, 1));                      // direct map data
        mem.write(PHYS_BASE + 0x1234, bytes(8, 2));               // kernel image data
        long vmalloc = 0xffa0_0000_0000_3000L;
        b.map4k(vmalloc, 0x70_0000L, X86PageBits.RW);             // two virtually adjacent pages
        b.map4k(vmalloc + 0x1000, 0x30_0000L, X86PageBits.RW);    // on non-adjacent frames
        mem.write(0x70_0ffcL, bytes(4, 3));
        mem.write(0x30_0000L, bytes(4, 4));
        KernelAddressSpace k = new KernelAddressSpace(mem.phys(), PAGE_OFFSET, PHYS_BASE,
                0xffff_ffff_8100_0000L, 0xffff_ffff_8300_0000L, b.top, 5, 1L << 30);

        assertArrayEquals(bytes(32, 1), k.readBytes(PAGE_OFFSET + 0x50_0ff0L, 32));
        assertEquals(PHYS_BASE + 0x100_1234L, k.translate(0xffff_ffff_8100_1234L));
        mem.write(PHYS_BASE + 0x100_1234L, bytes(8, 2));
        assertArrayEquals(bytes(8, 2), k.readBytes(0xffff_ffff_8100_1234L, 8));
        byte[] expect = new byte[8];
        System.arraycopy(bytes(4, 3), 0, expect, 0, 4);
        System.arraycopy(bytes(4, 4), 0, expect, 4, 4);
        assertArrayEquals(expect, k.readBytes(vmalloc + 0xffc, 8));
        assertArrayEquals(expect, k.readBytes(vmalloc + 0xffc, 8)); // again, from the translation cache
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> k.readU64(vmalloc + 0x2000));
        assertTrue(e.getMessage().contains("not mapped"), e.getMessage());
        // direct-map address beyond directMapSize falls through to the (empty) page-table walk
        assertThrows(MemoryAccessException.class, () -> k.readU64(PAGE_OFFSET + (1L << 31)));
        // mapped, but the frame is not in the dump
        b.map4k(vmalloc + 0x5000, 0x7777_0000L, 0);
        MemoryAccessException f = assertThrows(MemoryAccessException.class, () -> k.readU64(vmalloc + 0x5000));
        assertTrue(f.getMessage().contains("not in the dump"), f.getMessage());
    }

    /**
     * Several threads read vmalloc pages through one kernel address space (the tree writers do): more pages
     * than the translation cache holds, so the threads walk the shared page table and overwrite each
     * other's cache slots all the time; every read must still find its own page.
     */
    @Test
    void vmallocReadsFromSeveralThreads() throws Exception {
        SparseMemory mem = new SparseMemory();
        PageTableBuilder b = new PageTableBuilder(mem, 5, 0x100000);
        long vmalloc = 0xffa0_0000_0010_0000L;
        int pages = 64;
        for (int i = 0; i < pages; i++) {
            long frame = 0x80_0000L + (long) ((i * 37) % pages) * 0x1000; // scattered frames
            b.map4k(vmalloc + i * 0x1000L, frame, X86PageBits.RW);
            mem.write(frame + 0x10, java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .putLong(0x5eed_0000L + i).array());
        }
        KernelAddressSpace k = new KernelAddressSpace(mem.phys(), PAGE_OFFSET, PHYS_BASE,
                0xffff_ffff_8100_0000L, 0xffff_ffff_8300_0000L, b.top, 5, 1L << 30);
        int threads = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int stride = 2 * t + 1; // each thread its own order through the pages
                done.add(pool.submit(() -> {
                    int reads = 0;
                    for (int round = 0; round < 300; round++) {
                        for (int j = 0; j < pages; j++) {
                            int i = (j * stride + round) % pages;
                            assertEquals(0x5eed_0000L + i, k.readU64(vmalloc + i * 0x1000L + 0x10), "page " + i);
                            reads++;
                        }
                    }
                    return reads;
                }));
            }
            for (java.util.concurrent.Future<Integer> f : done) {
                assertEquals(300 * pages, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void userReadsResidentMigratingAndSwappedPages() {
        SparseMemory mem = new SparseMemory();
        PageTableBuilder b = new PageTableBuilder(mem, 5, 0x100000);
        long va = 0x7ffd_0000_0000L;
        b.map4k(va, 0x40_0000L, X86PageBits.USER | X86PageBits.RW);
        b.set(va + 0x1000, 1, PageTableWalkerTest.protNone(0x41_0000L, X86PageBits.PFN_MASK_4K, X86PageBits.USER));
        b.set(va + 0x2000, 1, PageTableWalkerTest.swp(1, 0x99));
        b.set(va + 0x3000, 1, PageTableWalkerTest.swp(23, 0x42)); // migration entry for pfn 0x42
        mem.write(0x40_0000L, bytes(4096, 5));
        mem.write(0x41_0000L, bytes(4096, 6));
        mem.write(0x42_000L, bytes(16, 7));

        UserAddressSpace noSwap = new UserAddressSpace(mem.phys(), b.top, 5, null);
        byte[] two = noSwap.readBytes(va + 0xff0, 32);
        assertEquals(bytes(4096, 5)[0xff0], two[0]);
        assertEquals(bytes(4096, 6)[0xf], two[31]);
        assertArrayEquals(bytes(16, 7), noSwap.readBytes(va + 0x3000, 16));
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> noSwap.readU64(va + 0x2008));
        assertTrue(e.getMessage().contains("swapped") && e.getMessage().contains("type 1")
                && e.getMessage().contains("0x99"), e.getMessage());
        assertThrows(MemoryAccessException.class, () -> noSwap.readU64(0xff11_0000_0000_0000L));
        assertThrows(MemoryAccessException.class, () -> noSwap.readU64(va + 0x10_0000));

        SwapSource swap = (type, offset) -> type == 1 && offset == 0x99 ? Optional.of(bytes(4096, 8)) : Optional.empty();
        UserAddressSpace withSwap = new UserAddressSpace(mem.phys(), b.top, 5, swap);
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes(4096, 8), 8, 24), withSwap.readBytes(va + 0x2008, 16));

        List<PageKind> kinds = new ArrayList<>();
        withSwap.pages(va, va + 0x10000, new PageVisitor() {
            @Override
            public void resident(long v, long pa, long size, long entry, PageKind kind) {
                kinds.add(kind);
            }

            @Override
            public void nonResident(long v, long size, long entry, PageKind kind, int type, long offset) {
                kinds.add(kind);
            }
        });
        assertEquals(List.of(PageKind.PRESENT, PageKind.PROT_NONE, PageKind.SWAP, PageKind.MIGRATION), kinds);
    }
}
