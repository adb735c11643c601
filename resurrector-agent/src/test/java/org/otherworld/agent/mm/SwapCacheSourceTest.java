package org.otherworld.agent.mm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The swap cache reader on a synthetic Linux 6.1-like swap cache: swapper_spaces[1] with two
 * address_spaces, the second holding a small folio, a 4-page folio, a shadow and a page whose
 * private field names another entry; pages resolved through a fake vmemmap.
 */
class SwapCacheSourceTest {
    static final long SPACES = 0xffff_ffff_8200_0000L;
    static final long NR_SPACES = SPACES + 0x1000;
    static final long ARRAY = 0xffff_8880_0200_0000L;
    static final int AS_SIZE = 200;
    static final int I_PAGES = 8;
    static final int PAGE_SIZE_STRUCT = 64;
    static final int PRIVATE = 40;
    static final long VMEMMAP = 0xffff_ea00_0000_0000L;
    static final long BASE = 16384; // first offset of address space 1

    final SparseMemory mem = new SparseMemory();
    long nextNode = 0xffff_8880_0300_0000L;

    static final SwapCacheLayout LAYOUT = new SwapCacheLayout(SPACES, NR_SPACES, 22, AS_SIZE, I_PAGES, PRIVATE,
            PAGE_SIZE_STRUCT, XArrayTest.L61);

    long newNode(int shift, int offset, long parent) {
        long n = nextNode;
        nextNode += 576;
        mem.fill(n, 576, 0);
        mem.putU8(n, shift);
        mem.putU8(n + 1, offset);
        mem.putU64(n + 8, parent);
        return n;
    }

    void slot(long node, int i, long entry) {
        mem.putU64(node + 40 + 8L * i, entry);
    }

    /** struct page for physical frame {@code pfn} with private = {@code priv}; the frame filled with {@code fill}. */
    long page(long pfn, long priv, int fill) {
        long p = VMEMMAP + pfn * PAGE_SIZE_STRUCT;
        mem.fill(p, PAGE_SIZE_STRUCT, 0);
        mem.putU64(p + PRIVATE, priv);
        mem.fill(pfn << 12, 4096, fill);
        return p;
    }

    SwapCacheSource build() {
        mem.fill(SPACES, 8 * 22, 0);
        mem.fill(NR_SPACES, 4 * 22, 0);
        mem.putU64(SPACES + 8, ARRAY);           // swapper_spaces[1]
        mem.putU64(NR_SPACES, 2L << 32);         // nr_swapper_spaces[1] = 2
        mem.fill(ARRAY, 2 * AS_SIZE, 0);
        long xa = ARRAY + AS_SIZE + I_PAGES;     // address space 1's i_pages
        // indexes 16389..16451: root (shift 12) slot 4 -> mid (shift 6) slots 0, 1 -> leaves (shift 0)
        long root = newNode(12, 0, 0);
        long mid = newNode(6, 4, root);
        long leaf0 = newNode(0, 0, mid);
        long leaf1 = newNode(0, 1, mid);
        mem.putU64(xa + 8, root | 2);             // xa_head
        slot(root, 4, mid | 2);
        slot(mid, 0, leaf0 | 2);
        slot(mid, 1, leaf1 | 2);
        slot(leaf0, 5, page(0x100, SwapCacheSource.entryValue(1, BASE + 5), 0x11));
        slot(leaf0, 7, (1234L << 1) | 1);       // workingset shadow: not cached
        slot(leaf0, 9, page(0x101, SwapCacheSource.entryValue(2, 9), 0x22)); // names another entry
        long head = page(0x200, SwapCacheSource.entryValue(1, BASE + 64), 0x30);
        for (int i = 1; i < 4; i++) {
            page(0x200 + i, SwapCacheSource.entryValue(1, BASE + 64 + i), 0x30 + i);
        }
        for (int i = 0; i < 4; i++) {
            slot(leaf1, i, head); // every index of a folio holds the folio (head page)
        }
        return new SwapCacheSource(mem.virt(), mem.phys(), LAYOUT, p -> ((p - VMEMMAP) / PAGE_SIZE_STRUCT) << 12);
    }

    static byte[] filled(int v) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) v);
        return b;
    }

    @Test
    void entryValueIsTypeAboveBit58() {
        assertEquals((3L << 58) | 0x1234, SwapCacheSource.entryValue(3, 0x1234));
        assertEquals(58, SwapCacheSource.SWP_TYPE_SHIFT);
    }

    @Test
    void readsSmallAndLargeFoliosFromTheCache() {
        SwapCacheSource s = build();
        assertArrayEquals(filled(0x11), s.readPage(1, BASE + 5).orElseThrow());
        assertArrayEquals(filled(0x30), s.readPage(1, BASE + 64).orElseThrow());
        assertArrayEquals(filled(0x32), s.readPage(1, BASE + 66).orElseThrow());
        assertEquals(VMEMMAP + 0x203L * PAGE_SIZE_STRUCT, s.cachedPage(1, BASE + 67));
        assertTrue(s.problems().isEmpty(), s.problems().toString());
    }

    @Test
    void absentShadowAndForeignEntriesReadEmpty() {
        SwapCacheSource s = build();
        assertEquals(Optional.empty(), s.readPage(1, BASE + 6));   // nothing there
        assertEquals(Optional.empty(), s.readPage(1, BASE + 7));   // shadow entry
        assertEquals(Optional.empty(), s.readPage(1, 5));          // address space 0: empty xarray
        assertEquals(Optional.empty(), s.readPage(0, 5));          // no swap area of type 0
        assertEquals(Optional.empty(), s.readPage(30, 5));         // not a swap-file type
        assertTrue(s.problems().isEmpty(), s.problems().toString());
        assertEquals(Optional.empty(), s.readPage(1, BASE + 9));   // private names type 2
        assertEquals(Optional.empty(), s.readPage(1, 3 * BASE));   // beyond nr_swapper_spaces
        assertEquals(2, s.problems().size(), s.problems().toString());
        assertTrue(s.problems().get(0).contains("holds swap entry"), s.problems().get(0));
        assertTrue(s.problems().get(1).contains("beyond the 2 address spaces"), s.problems().get(1));
    }

    @Test
    void corruptXarrayIsReportedOnceAndReadsEmpty() {
        SwapCacheSource s = build();
        long xa = ARRAY + AS_SIZE + I_PAGES;
        long root = mem.phys().readU64(xa + 8) - 2;
        slot(root, 4, 0x1234_5678_9abc_def2L); // node pointer into the user half
        assertEquals(Optional.empty(), s.readPage(1, BASE + 5));
        assertEquals(Optional.empty(), s.readPage(1, BASE + 64));
        assertEquals(1, s.problems().size(), s.problems().toString());
        assertTrue(s.problems().get(0).contains("xarray"), s.problems().get(0));
    }

    @Test
    void cacheThenDeviceAndUserAddressSpaceIntegration() {
        SwapCacheSource s = build();
        SwapSource device = (type, offset) -> type == 1 && offset == 77 ? Optional.of(filled(0x77)) : Optional.empty();
        SwapSource both = s.thenDevice(device);
        assertArrayEquals(filled(0x11), both.readPage(1, BASE + 5).orElseThrow());
        assertArrayEquals(filled(0x77), both.readPage(1, 77).orElseThrow());
        assertEquals(Optional.empty(), both.readPage(1, 78));

        PageTableBuilder b = new PageTableBuilder(mem, 5, 0x4000_0000L);
        long va = 0x7f00_0000_0000L;
        b.set(va, 1, X86PageBits.encodeSwap(1, BASE + 65));
        b.set(va + 0x1000, 1, X86PageBits.encodeSwap(1, 77));
        UserAddressSpace u = new UserAddressSpace(mem.phys(), b.top, 5, both);
        assertEquals(0x3131_3131_3131_3131L, u.readU64(va + 8));
        assertEquals(0x7777_7777_7777_7777L, u.readU64(va + 0x1ff0));
    }
}
