package org.otherworld.agent.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.otherworld.agent.vmcore.MemoryAccessException;

class MapleTreeTest {
    /**
     * Linux 6.1 x86-64 values (include/linux/maple_tree.h, 64-bit, no lockdep): struct maple_tree
     * {spinlock_t ma_lock (4); void *ma_root @8; ...}; maple_node is 256 bytes, parent @0, slot[31] @8;
     * maple_range_64 {parent; pivot[15] @8; slot[16] @128, meta (in the last slot) @128 + 15 * 8 = 248};
     * maple_arange_64 {parent; pivot[9] @8; slot[10] @80; gap[10] @160; meta @240}.
     */
    static final MapleLayout L61 = new MapleLayout(8, 256, 0, 8, 31, 8, 128, 16, 248, 8, 80, 10, 240);
    static final long MAX = -1L;
    static final long TREE = 0xffff_8880_0100_0040L;
    static final int LEAF = 1;
    static final int RANGE = 2;
    static final int ARANGE = 3;

    final SparseMemory mem = new SparseMemory();
    long nextNode = 0xffff_8880_0200_0000L;

    /** mt_mk_node(): node | type << 3 | MAPLE_ENODE_NULL. */
    static long enc(long node, int type) {
        return node | ((long) type << 3) | 4;
    }

    long node(int type, long parent, long[] pivots, long[] slots, int metaEnd) {
        long n = nextNode;
        nextNode += 256;
        mem.fill(n, 256, 0);
        mem.putU64(n, parent);
        boolean ar = type == ARANGE;
        for (int i = 0; i < pivots.length; i++) {
            mem.putU64(n + 8 + 8L * i, pivots[i]);
        }
        for (int i = 0; i < slots.length; i++) {
            mem.putU64(n + (ar ? 80 : 128) + 8L * i, slots[i]);
        }
        if (metaEnd >= 0) {
            mem.putU8(n + (ar ? 240 : 248), metaEnd);
        }
        return n;
    }

    /** Parent pointer of a child: parent node | slot << 3 | MAPLE_PARENT_RANGE64 (bit 0 clear). */
    static long parentOf(long parentNode, int slot) {
        return parentNode | ((long) slot << 3) | 6;
    }

    void setRoot(long enode) {
        mem.putU64(TREE + 8, enode | 2); // mte_mk_root
    }

    List<MapleTree.Entry> entries() {
        return new MapleTree(mem.virt(), L61).entries(TREE);
    }

    @Test
    void emptyAndSingleEntryTrees() {
        mem.putU64(TREE + 8, 0);
        assertTrue(entries().isEmpty());
        mem.putU64(TREE + 8, 0xffff_8880_1234_5600L);
        assertEquals(List.of(new MapleTree.Entry(0, 0, 0xffff_8880_1234_5600L)), entries());
    }

    @Test
    void leafRootWithGaps() {
        long a = 0xffff_8880_0300_0000L;
        long bb = 0xffff_8880_0300_0100L;
        long root = node(LEAF, TREE | 1, new long[] {0xfff, 0x1fff, 0x4fff, 0x5fff, MAX},
                new long[] {0, a, 0, bb, 0}, 4);
        setRoot(enc(root, LEAF));
        assertEquals(List.of(new MapleTree.Entry(0x1000, 0x1fff, a), new MapleTree.Entry(0x5000, 0x5fff, bb)),
                entries());
    }

    @Test
    void rangeRootWithFullLeafUsingImpliedLastPivot() {
        long rootAddr = nextNode;
        long[] piv = new long[15];
        long[] slots = new long[16];
        for (int i = 0; i < 15; i++) {
            piv[i] = 0x1000L * (i + 1) - 1;
            slots[i] = 0xffff_8880_0400_0000L + 0x100L * i;
        }
        slots[15] = 0xffff_8880_0400_f000L; // last slot: pivot implied = node max (0x10fff)
        nextNode += 256;
        long full = node(LEAF, parentOf(rootAddr, 0), piv, slots, -1);
        long tail = node(LEAF, parentOf(rootAddr, 1), new long[] {0x20fff, MAX},
                new long[] {0xffff_8880_0500_0000L, 0}, 1);
        long savedNext = nextNode;
        nextNode = rootAddr;
        node(RANGE, TREE | 1, new long[] {0x10fff, MAX}, new long[] {enc(full, LEAF), enc(tail, LEAF)}, 1);
        nextNode = savedNext;
        setRoot(enc(rootAddr, RANGE));
        List<MapleTree.Entry> e = entries();
        assertEquals(17, e.size());
        assertEquals(new MapleTree.Entry(0, 0xfff, slots[0]), e.get(0));
        assertEquals(new MapleTree.Entry(0xf000, 0x10fff, slots[15]), e.get(15));
        assertEquals(new MapleTree.Entry(0x11000, 0x20fff, 0xffff_8880_0500_0000L), e.get(16));
    }

    @Test
    void arangeMultiLevelUsesMetadataEnd() {
        // 3 levels: arange root -> two arange children -> leaves (as in mm->mm_mt, MT_FLAGS_ALLOC_RANGE).
        long root = nextNode;
        nextNode += 256;
        long c0 = nextNode;
        nextNode += 256;
        long c1 = nextNode;
        nextNode += 256;
        long l0 = node(LEAF, parentOf(c0, 0), new long[] {0x0fff, 0x1fff}, new long[] {0, 0xffff_8880_0600_0000L}, 1);
        long l1 = node(LEAF, parentOf(c0, 1), new long[] {0x2fff, 0x7fff}, new long[] {0xffff_8880_0600_0100L, 0}, 1);
        long l2 = node(LEAF, parentOf(c1, 0), new long[] {0x8fff, 0xffff}, new long[] {0xffff_8880_0600_0200L, 0}, 1);
        long l3 = node(LEAF, parentOf(c1, 1), new long[] {0x10fff, MAX}, new long[] {0xffff_8880_0600_0300L, 0}, 1);
        long save = nextNode;
        nextNode = c0;
        // A stale pivot/slot after the metadata end must be ignored.
        node(ARANGE, parentOf(root, 0), new long[] {0x1fff, 0x7fff, 0x9999}, new long[] {enc(l0, LEAF), enc(l1, LEAF),
            enc(0xffff_8880_0dea_d000L, LEAF)}, 1);
        node(ARANGE, parentOf(root, 1), new long[] {0xffff, 0}, new long[] {enc(l2, LEAF), enc(l3, LEAF)}, 1);
        nextNode = root;
        node(ARANGE, TREE | 1, new long[] {0x7fff, 0}, new long[] {enc(c0, ARANGE), enc(c1, ARANGE)}, 1);
        nextNode = save;
        setRoot(enc(root, ARANGE));
        List<MapleTree.Entry> e = entries();
        assertEquals(4, e.size());
        assertEquals(new MapleTree.Entry(0x1000, 0x1fff, 0xffff_8880_0600_0000L), e.get(0));
        assertEquals(new MapleTree.Entry(0x2000, 0x2fff, 0xffff_8880_0600_0100L), e.get(1));
        assertEquals(new MapleTree.Entry(0x8000, 0x8fff, 0xffff_8880_0600_0200L), e.get(2));
        assertEquals(new MapleTree.Entry(0x10000, 0x10fff, 0xffff_8880_0600_0300L), e.get(3));
    }

    @Test
    void corruptionIsReported() {
        // decreasing pivot
        long root = node(LEAF, TREE | 1, new long[] {0x5fff, 0x1fff, MAX}, new long[] {1L << 12, 2L << 12, 0}, 2);
        setRoot(enc(root, LEAF));
        MemoryAccessException e = assertThrows(MemoryAccessException.class, this::entries);
        assertTrue(e.getMessage().contains("pivot 1") && e.getMessage().contains(Long.toHexString(root)), e.getMessage());

        // child pivot beyond the parent's range
        long r2 = nextNode;
        nextNode += 256;
        long child = node(LEAF, parentOf(r2, 0), new long[] {0x9fff}, new long[] {1L << 12}, 0);
        long save = nextNode;
        nextNode = r2;
        node(RANGE, TREE | 1, new long[] {0x7fff, MAX}, new long[] {enc(child, LEAF), 0}, 1);
        nextNode = save;
        setRoot(enc(r2, RANGE));
        assertThrows(MemoryAccessException.class, this::entries);

        // cycle: a child slot pointing back at the root
        long r3 = nextNode;
        node(RANGE, TREE | 1, new long[] {0x7fff, MAX}, new long[] {enc(r3, RANGE), 0}, 1);
        setRoot(enc(r3, RANGE));
        MemoryAccessException c = assertThrows(MemoryAccessException.class,
                () -> new MapleTree(mem.virt(), L61).checkParents(false).entries(TREE));
        assertTrue(c.getMessage().contains("cycle"), c.getMessage());
        // with parent checks on, the same corruption is caught by the parent pointer
        assertThrows(MemoryAccessException.class, this::entries);

        // node address in user space, and an unreadable node
        mem.putU64(TREE + 8, enc(0x0000_7fff_0000_0000L, LEAF) | 2);
        MemoryAccessException u = assertThrows(MemoryAccessException.class, this::entries);
        assertTrue(u.getMessage().contains("not a kernel address"), u.getMessage());
        mem.putU64(TREE + 8, enc(0xffff_8880_7700_0000L, LEAF) | 2);
        assertThrows(MemoryAccessException.class, this::entries);

        // dead node (parent points to itself)
        long dead = node(LEAF, 0, new long[] {MAX}, new long[] {1L << 12}, 0);
        mem.putU64(dead, dead);
        setRoot(enc(dead, LEAF));
        assertTrue(assertThrows(MemoryAccessException.class, this::entries).getMessage().contains("dead"));

        // node budget
        long r4 = node(LEAF, TREE | 1, new long[] {MAX}, new long[] {1L << 12}, 0);
        setRoot(enc(r4, LEAF));
        assertEquals(1, entries().size());
        assertThrows(MemoryAccessException.class, () -> new MapleTree(mem.virt(), L61).maxNodes(0).entries(TREE));
    }
}
