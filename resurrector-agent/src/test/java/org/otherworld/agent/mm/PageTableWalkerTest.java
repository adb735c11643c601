package org.otherworld.agent.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.otherworld.agent.vmcore.MemoryAccessException;

class PageTableWalkerTest {
    static final long U = X86PageBits.USER;
    static final long RW = X86PageBits.RW;
    static final long NX = X86PageBits.NX;
    static final long AD = X86PageBits.ACCESSED | X86PageBits.DIRTY;

    /**
     * Test encoder written from the 6.1 macros in arch/x86/include/asm/pgtable_64.h:
     * __swp_entry(type, offset) = (~offset << SWP_OFFSET_SHIFT >> SWP_TYPE_BITS) | (type << (64 - SWP_TYPE_BITS))
     * with SWP_TYPE_BITS = 5, SWP_OFFSET_SHIFT = (_PAGE_BIT_PROTNONE + 1) + 5 = 14.
     */
    static long swp(long type, long offset) {
        return (~offset << 14 >>> 5) | (type << 59);
    }

    /** A PROT_NONE PTE as the kernel writes it: PFN bits inverted (pgtable-invert.h), _PAGE_PROTNONE (bit 8). */
    static long protNone(long pa, long mask, long flags) {
        return flags | X86PageBits.PROTNONE | (~pa & mask);
    }

    @Test
    void fiveLevelLeavesOfEachSize() {
        SparseMemory mem = new SparseMemory();
        PageTableBuilder b = new PageTableBuilder(mem, 5, 0x100000);
        b.map4k(0x7f12_3456_7000L, 0x20_0000L, U | RW | NX | AD);
        b.map2m(0x4000_0000L, 0x3460_0000L, U);
        b.map1g(0x80_0000_0000L, 0x1_4000_0000L, U | RW);
        b.map4k(0x00f0_0000_0000_1000L, 0x5000L, U); // only reachable with 57-bit addresses
        b.map4k(0xff11_0000_1234_5000L, 0x6000L, RW | NX); // kernel half
        PageTableWalker w = new PageTableWalker(mem.phys(), b.top, 5);

        PageMapping m = w.translate(0x7f12_3456_7abcL);
        assertEquals(PageKind.PRESENT, m.kind());
        assertEquals(0x7f12_3456_7000L, m.va());
        assertEquals(0x20_0000L, m.pa());
        assertEquals(4096, m.size());
        assertTrue(m.writable() && m.user() && m.noExecute() && m.dirty() && m.accessed());
        assertEquals(0x20_0abcL, w.toPhysical(0x7f12_3456_7abcL));

        PageMapping m2 = w.translate(0x4012_3456L);
        assertEquals(X86PageBits.SIZE_2M, m2.size());
        assertFalse(m2.writable());
        assertEquals(0x3460_0000L + 0x12_3456L, w.toPhysical(0x4012_3456L));

        PageMapping g = w.translate(0x80_1234_5678L);
        assertEquals(X86PageBits.SIZE_1G, g.size());
        assertEquals(0x1_4000_0000L + 0x1234_5678L, w.toPhysical(0x80_1234_5678L));

        assertEquals(0x5008L, w.toPhysical(0x00f0_0000_0000_1008L));
        assertEquals(0x6010L, w.toPhysical(0xff11_0000_1234_5010L));
        assertNull(w.translate(0x7f12_3456_8000L));
        assertThrows(MemoryAccessException.class, () -> w.translate(0x0100_0000_0000_0000L)); // non-canonical
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> w.toPhysical(0x1000));
        assertTrue(e.getMessage().contains("not mapped"), e.getMessage());
    }

    @Test
    void fourLevelTranslation() {
        SparseMemory mem = new SparseMemory();
        PageTableBuilder b = new PageTableBuilder(mem, 4, 0x100000);
        b.map4k(0x5555_5555_4000L, 0x9000L, U | RW);
        b.map2m(0xffff_8880_0020_0000L, 0x20_0000L, RW);
        b.map1g(0xffff_ffff_8000_0000L, 0x4000_0000L, 0);
        PageTableWalker w = new PageTableWalker(mem.phys(), b.top, 4);
        assertEquals(0x9123L, w.toPhysical(0x5555_5555_4123L));
        assertEquals(0x20_0000L + 0x1_0000L, w.toPhysical(0xffff_8880_0021_0000L));
        assertEquals(0x4000_0000L + 0x10_0000L, w.toPhysical(0xffff_ffff_8010_0000L));
        assertEquals("PGD", w.levelName(4));
        // 57-bit addresses are not canonical with 4 levels
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> w.translate(0x00f0_0000_0000_1000L));
        assertTrue(e.getMessage().contains("non-canonical"), e.getMessage());
        assertFalse(w.isCanonical(0xff11_0000_0000_0000L));
        assertTrue(w.isCanonical(0xffff_8000_0000_0000L));
    }

    @Test
    void protNoneEntriesAreResidentWithInvertedPfn() {
        SparseMemory mem = new SparseMemory();
        PageTableBuilder b = new PageTableBuilder(mem, 5, 0x100000);
        b.set(0x7000_0000_1000L, 1, protNone(0x1234_5000L, X86PageBits.PFN_MASK_4K, U | AD));
        b.set(0x7000_0020_0000L, 2, protNone(0x4060_0000L, X86PageBits.PFN_MASK_2M, U | X86PageBits.PSE));
        PageTableWalker w = new PageTableWalker(mem.phys(), b.top, 5);
        PageMapping m = w.translate(0x7000_0000_1008L);
        assertEquals(PageKind.PROT_NONE, m.kind());
        assertEquals(0x1234_5000L, m.pa());
        assertEquals(0x1234_5008L, w.toPhysical(0x7000_0000_1008L));
        PageMapping h = w.translate(0x7000_0021_0000L);
        assertEquals(PageKind.PROT_NONE, h.kind());
        assertEquals(X86PageBits.SIZE_2M, h.size());
        assertEquals(0x4061_0000L, w.toPhysical(0x7000_0021_0000L));
    }

    @Test
    void swapEntriesRoundTripAndSpecialEntriesAreLabelled() {
        long[][] cases = {{0, 0}, {1, 0x12345}, {21, (1L << 50) - 1}, {3, 0x2_0000_0001L}};
        for (long[] c : cases) {
            long e = swp(c[0], c[1]);
            assertEquals(e, X86PageBits.encodeSwap((int) c[0], c[1]));
            assertEquals(0, e & X86PageBits.PRESENT);
            assertEquals(0, e & X86PageBits.PROTNONE, "swap entries must not look PROT_NONE");
            assertEquals(0, e & X86PageBits.PSE, "bit 7 must be clear (pmd_present)");
            assertEquals(c[0], X86PageBits.swapType(e));
            assertEquals(c[1], X86PageBits.swapOffset(e));
        }
        // Exact bits for type 1, offset 0: inverted offset fills bits 9..58, type in bit 59.
        assertEquals(0x0fff_ffff_ffff_fe00L, swp(1, 0));

        SparseMemory mem = new SparseMemory();
        PageTableBuilder b = new PageTableBuilder(mem, 5, 0x100000);
        long va = 0x7f00_0000_0000L;
        b.set(va, 1, swp(2, 0x777));
        b.set(va + 0x1000, 1, swp(23, 0x345));           // SWP_MIGRATION_READ = 22 + 1
        b.set(va + 0x2000, 1, swp(26, 0x999));           // SWP_DEVICE_WRITE
        b.set(va + 0x3000, 1, swp(22, 0x111));           // SWP_HWPOISON = MAX_SWAPFILES
        b.set(va + 0x4000, 1, swp(30, 1));               // SWP_PTE_MARKER
        b.set(va + 0x5000, 1, X86PageBits.ACCESSED);     // pte_none (KNL erratum bits only)
        b.set(va + 0x20_0000, 2, swp(25, 0x40200));      // PMD migration entry (THP)
        PageTableWalker w = new PageTableWalker(mem.phys(), b.top, 5);
        PageMapping s = w.translate(va + 8);
        assertEquals(PageKind.SWAP, s.kind());
        assertEquals(2, s.swapType());
        assertEquals(0x777, s.swapOffset());
        PageMapping mig = w.translate(va + 0x1000);
        assertEquals(PageKind.MIGRATION, mig.kind());
        assertEquals(0x345000L, mig.pa());
        assertEquals(PageKind.DEVICE, w.translate(va + 0x2000).kind());
        assertEquals(PageKind.HWPOISON, w.translate(va + 0x3000).kind());
        assertEquals(PageKind.PTE_MARKER, w.translate(va + 0x4000).kind());
        assertNull(w.translate(va + 0x5000));
        PageMapping pmdMig = w.translate(va + 0x20_1000);
        assertEquals(PageKind.MIGRATION, pmdMig.kind());
        assertEquals(X86PageBits.SIZE_2M, pmdMig.size());
        assertEquals(22, SwapTypeLayout.linux61AllEnabled().maxSwapFiles());

        List<PageMapping> all = w.mappings(va, va + 0x40_0000);
        assertEquals(6, all.size());
        assertEquals(PageKind.SWAP, all.get(0).kind());
        assertEquals(PageKind.MIGRATION, all.get(5).kind());
    }

    @Test
    void walkEnumeratesInOrderAndSkipsEmptySpaceFast() {
        SparseMemory mem = new SparseMemory();
        PageTableBuilder b = new PageTableBuilder(mem, 5, 0x100000);
        b.map4k(0x1000, 0xa000, U);
        b.map4k(0x2000, 0xb000, U);
        b.map2m(0x7f00_0000_0000L, 0x60_0000L, U);
        b.map1g(0x00a0_0000_0000_0000L, 0x8000_0000L, U);
        b.map4k(0xff11_0000_0000_0000L, 0xc000, 0);
        PageTableWalker w = new PageTableWalker(mem.phys(), b.top, 5);
        mem.reads = 0;
        List<long[]> seen = new ArrayList<>();
        w.walk(0, 1L << 56, (va, pa, size, entry, kind) -> seen.add(new long[] {va, pa, size}));
        assertEquals(4, seen.size());
        assertEquals(0x1000, seen.get(0)[0]);
        assertEquals(0xb000, seen.get(1)[1]);
        assertEquals(0x7f00_0000_0000L, seen.get(2)[0]);
        assertEquals(X86PageBits.SIZE_1G, seen.get(3)[2]);
        assertTrue(mem.reads < 20, "only the populated tables are read: " + mem.reads);

        // Whole address space, crossing the non-canonical hole.
        List<PageMapping> everything = w.mappings(0, 0);
        assertEquals(5, everything.size());
        assertEquals(0xff11_0000_0000_0000L, everything.get(4).va());
        // A sub-range that starts inside a 2M leaf reports the whole leaf.
        List<PageMapping> part = w.mappings(0x7f00_0010_0000L, 0x7f00_0010_1000L);
        assertEquals(1, part.size());
        assertEquals(0x7f00_0000_0000L, part.get(0).va());
        assertTrue(w.mappings(0x3000, 0x7000).isEmpty());
    }

    @Test
    void corruptTablePointerIsReportedWithLevelAndAddress() {
        SparseMemory mem = new SparseMemory();
        PageTableBuilder b = new PageTableBuilder(mem, 4, 0x100000);
        b.map4k(0x1000, 0xa000, U);
        b.map4k(0x4000_0000L, 0xb000, U);
        // Point the PMD entry covering 0x4000_0000 at a table beyond the dump.
        b.set(0x4000_0000L, 2, 0x7_0000_0000_0000L | PageTableBuilder.TABLE_FLAGS);
        PageTableWalker w = new PageTableWalker(mem.phys(), b.top, 4);
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> w.mappings(0, 1L << 47));
        assertTrue(e.getMessage().contains("PTE table at physical 0x7000000000000"), e.getMessage());
        assertTrue(e.getMessage().contains("0x40000000"), e.getMessage());
        MemoryAccessException t = assertThrows(MemoryAccessException.class, () -> w.translate(0x4000_0123L));
        assertEquals(0x4000_0123L, t.address());

        List<String> errors = new ArrayList<>();
        List<Long> pages = new ArrayList<>();
        w.walk(0, 1L << 47, new PageVisitor() {
            @Override
            public void resident(long va, long pa, long size, long entry, PageKind kind) {
                pages.add(va);
            }

            @Override
            public void tableError(long va, int level, long tablePa, String message) {
                errors.add(level + ":" + Long.toHexString(tablePa));
            }
        });
        assertEquals(List.of(0x1000L), pages);
        assertEquals(List.of("1:7000000000000"), errors);
    }
}
