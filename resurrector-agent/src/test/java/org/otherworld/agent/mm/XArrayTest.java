package org.otherworld.agent.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.otherworld.agent.vmcore.MemoryAccessException;

class XArrayTest {
    /**
     * Linux 6.1 x86-64 values (include/linux/xarray.h): struct xarray {spinlock_t xa_lock (4);
     * gfp_t xa_flags @4; void *xa_head @8}; struct xa_node {u8 shift @0, offset @1, count @2,
     * nr_values @3; parent @8; array @16; private_list/rcu_head @24 (16 bytes); slots[64] @40;
     * marks[3][1] @552}, sizeof 576. XA_CHUNK_SHIFT 6; __GFP_BITS_SHIFT 27 (gfp_types.h, no lockdep).
     */
    static final XArrayLayout L61 = new XArrayLayout(8, 4, 0, 1, 8, 40, 552, 576, 6, 27);
    static final long XA = 0xffff_8880_0100_0100L;

    final SparseMemory mem = new SparseMemory();
    long nextNode = 0xffff_8880_0300_0000L;

    long newNode(int shift, int offset, long parent) {
        long n = nextNode;
        nextNode += 576;
        mem.fill(n, 576, 0);
        mem.putU8(n, shift);
        mem.putU8(n + 1, offset);
        mem.putU64(n + 8, parent);
        mem.putU64(n + 16, XA);
        return n;
    }

    void slot(long node, int i, long entry) {
        mem.putU64(node + 40 + 8L * i, entry);
    }

    void mark(long node, int mark, int i) {
        long a = node + 552 + 8L * mark;
        long v = mem.phys().readU64(a);
        mem.putU64(a, v | (1L << i));
    }

    /** xa_mk_node(): node | 2. */
    static long nodeEntry(long node) {
        return node | 2;
    }

    /** xa_mk_sibling(offset) = xa_mk_internal(offset). */
    static long sibling(int offset) {
        return ((long) offset << 2) | 2;
    }

    XArray xa() {
        return new XArray(mem.virt(), L61);
    }

    @Test
    void emptyAndSingleHeadEntry() {
        mem.fill(XA, 16, 0);
        assertTrue(xa().entries(XA).isEmpty());
        mem.putU64(XA + 8, 0xffff_ea00_0012_3400L);
        assertEquals(List.of(new XArray.Entry(0, 0xffff_ea00_0012_3400L, 0, false)), xa().entries(XA));
        assertTrue(xa().markedEntries(XA, XArray.MARK_0).isEmpty());
        mem.putU64(XA, (1L << 27) << 32); // xa_flags (at +4) = XA_FLAGS_MARK(0)
        assertEquals(1, xa().markedEntries(XA, XArray.MARK_0).size());
        mem.putU64(XA + 8, (5L << 1) | 1); // xa_mk_value(5)
        XArray.Entry v = xa().entries(XA).get(0);
        assertTrue(v.value());
        assertEquals(5, v.toValue());
        mem.putU64(XA + 8, (256L << 2) | 2); // retry entry reads as empty
        assertTrue(xa().entries(XA).isEmpty());
    }

    @Test
    void oneLevelWithValuesRetryAndMultiIndex() {
        mem.fill(XA, 16, 0);
        long n = newNode(0, 0, 0);
        slot(n, 3, 0xffff_ea00_0000_0040L);
        slot(n, 4, 0xffff_ea00_0000_0080L); // order-2 folio at 4..7
        slot(n, 5, sibling(4));
        slot(n, 6, sibling(4));
        slot(n, 7, sibling(4));
        slot(n, 20, (0x1234L << 1) | 1);     // shadow / swap value entry
        slot(n, 30, (256L << 2) | 2);        // XA_RETRY_ENTRY
        slot(n, 31, (257L << 2) | 2);        // XA_ZERO_ENTRY
        mark(n, 0, 4);
        mem.putU64(XA + 8, nodeEntry(n));
        List<XArray.Entry> e = xa().entries(XA);
        assertEquals(3, e.size());
        assertEquals(new XArray.Entry(3, 0xffff_ea00_0000_0040L, 0, false), e.get(0));
        assertEquals(new XArray.Entry(4, 0xffff_ea00_0000_0080L, 2, false), e.get(1));
        assertEquals(20, e.get(2).index());
        assertTrue(e.get(2).value());
        assertEquals(List.of(new XArray.Entry(4, 0xffff_ea00_0000_0080L, 2, false)),
                xa().markedEntries(XA, XArray.MARK_0));
        assertTrue(xa().markedEntries(XA, XArray.MARK_2).isEmpty());
    }

    @Test
    void twoAndThreeLevelsWithMarks() {
        mem.fill(XA, 16, 0);
        long root = newNode(12, 0, 0);
        long mid = newNode(6, 3, root);
        long leaf = newNode(0, 4, mid);
        long leaf0 = newNode(0, 0, mid);
        slot(root, 3, nodeEntry(mid));
        slot(mid, 4, nodeEntry(leaf));
        slot(mid, 0, nodeEntry(leaf0));
        slot(leaf, 7, 0xffff_ea00_0000_1000L);
        slot(leaf0, 1, 0xffff_ea00_0000_2000L);
        slot(mid, 8, 0xffff_ea00_0000_4000L);   // order-7 entry at shift 6: slot 8 plus sibling slot 9
        slot(mid, 9, sibling(8));
        mem.putU64(XA + 8, nodeEntry(root));
        List<XArray.Entry> e = xa().entries(XA);
        long base = 3L << 12;
        assertEquals(List.of(
                new XArray.Entry(base + 1, 0xffff_ea00_0000_2000L, 0, false),
                new XArray.Entry(base + (4 << 6) + 7, 0xffff_ea00_0000_1000L, 0, false),
                new XArray.Entry(base + (8 << 6), 0xffff_ea00_0000_4000L, 7, false)), e);

        // Dirty marks: leaf slot 7 is marked along the path; leaf0 slot 1 is marked but mid slot 0 is not.
        mark(root, 0, 3);
        mark(mid, 0, 4);
        mark(leaf, 0, 7);
        mark(leaf0, 0, 1);
        assertEquals(List.of(new XArray.Entry(base + (4 << 6) + 7, 0xffff_ea00_0000_1000L, 0, false)),
                xa().markedEntries(XA, XArray.MARK_0));
        mark(mid, 1, 8);
        mark(root, 1, 3);
        assertEquals(1, xa().markedEntries(XA, XArray.MARK_1).size());
    }

    @Test
    void corruptionIsReported() {
        mem.fill(XA, 16, 0);
        long root = newNode(6, 0, 0);
        long child = newNode(6, 2, root); // wrong shift: should be 0
        slot(root, 2, nodeEntry(child));
        mem.putU64(XA + 8, nodeEntry(root));
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> xa().entries(XA));
        assertTrue(e.getMessage().contains("shift 6, expected 0"), e.getMessage());

        // cycle: child points back at root
        mem.putU8(child, 0);
        slot(child, 0, nodeEntry(root));
        MemoryAccessException c = assertThrows(MemoryAccessException.class,
                () -> xa().checkParents(false).entries(XA));
        assertTrue(c.getMessage().contains("points to a node below the last level")
                || c.getMessage().contains("cycle"), c.getMessage());

        // unknown internal entry and wrong parent pointer
        slot(child, 0, (100L << 2) | 2);
        MemoryAccessException u = assertThrows(MemoryAccessException.class, () -> xa().entries(XA));
        assertTrue(u.getMessage().contains("unknown internal entry"), u.getMessage());
        slot(child, 0, 0);
        mem.putU64(child + 8, 0xffff_8880_0999_0000L);
        MemoryAccessException p = assertThrows(MemoryAccessException.class, () -> xa().entries(XA));
        assertTrue(p.getMessage().contains("parent"), p.getMessage());

        // a true cycle at equal shifts
        long r2 = newNode(6, 0, 0);
        slot(r2, 1, nodeEntry(r2));
        mem.putU64(XA + 8, nodeEntry(r2));
        MemoryAccessException cy = assertThrows(MemoryAccessException.class,
                () -> xa().checkParents(false).entries(XA));
        assertTrue(cy.getMessage().contains("shift") || cy.getMessage().contains("cycle"), cy.getMessage());
        assertThrows(MemoryAccessException.class, () -> xa().maxNodes(0).entries(XA));
    }
}
