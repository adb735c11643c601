package org.otherworld.agent.mm;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Reads the entries of a Linux 6.1 maple tree (e.g. mm-&gt;mm_mt, the VMAs of a process) in index order.
 *
 * <p>Decoding follows lib/maple_tree.c (v6.1): a root that is an internal pointer above 4096
 * (xa_is_node) is an encoded node with MAPLE_ROOT_NODE (bit 1) set; otherwise a non-NULL root is a
 * single entry for index 0. An encoded node keeps the node type in bits 3..6 (mte_node_type) and the
 * node address in the bits above 8 (mte_to_node). Slot {@code i} of a range node covers
 * [pivot[i-1] + 1, pivot[i]] (the first slot starts at the node's min); the last slot, and a slot whose
 * pivot is 0 past the first, ends at the node's max (mas_logical_pivot). The data end comes from
 * ma_data_end(): arange_64 keeps it in its metadata; range/leaf_64 use the metadata when the last
 * pivot is 0, else the last pivot slot if it equals max, else the final slot.
 *
 * <p>Bounded: depth at most MAPLE_HEIGHT_MAX (31), a node budget, cycle detection, pivots strictly
 * ordered within the parent's range, node addresses in the kernel half, parent pointers checked.
 */
public final class MapleTree {
    /** One non-NULL entry covering [first, last]. */
    public record Entry(long first, long last, long entry) {
    }

    /** enum maple_type (maple_tree.h). */
    static final int DENSE = 0;
    static final int LEAF_64 = 1;
    static final int RANGE_64 = 2;
    static final int ARANGE_64 = 3;
    /** MAPLE_NODE_MASK: low bits of an encoded node that are not address. */
    private static final long NODE_MASK = 255;
    /** MAPLE_NODE_TYPE_SHIFT / MAPLE_NODE_TYPE_MASK. */
    private static final int TYPE_SHIFT = 3;
    private static final int TYPE_MASK = 0x0f;
    /** MAPLE_HEIGHT_MAX. */
    public static final int MAX_HEIGHT = 31;
    /** MA_ROOT_PARENT: bit 0 of the root node's parent pointer. */
    private static final long ROOT_PARENT = 1;
    /** Default node budget (a process at vm.max_map_count needs a few thousand nodes). */
    public static final int DEFAULT_MAX_NODES = 200_000;

    private final VirtualMemory mem;
    private final MapleLayout layout;
    private int maxNodes = DEFAULT_MAX_NODES;
    private boolean checkParents = true;

    public MapleTree(VirtualMemory mem, MapleLayout layout) {
        this.mem = mem;
        this.layout = layout;
    }

    public MapleTree maxNodes(int n) {
        this.maxNodes = n;
        return this;
    }

    /** Whether each node's parent pointer must point back at the node it was reached from (default on). */
    public MapleTree checkParents(boolean on) {
        this.checkParents = on;
        return this;
    }

    /** The non-NULL entries of the tree at {@code treeAddr} (struct maple_tree), in index order. */
    public List<Entry> entries(long treeAddr) {
        List<Entry> out = new ArrayList<>();
        long root = mem.readU64(treeAddr + layout.rootOffset());
        if (root == 0) {
            return out;
        }
        if (!isNode(root)) {
            if (!isReserved(root)) {
                out.add(new Entry(0, 0, root));
            }
            return out;
        }
        Walk w = new Walk(treeAddr, out);
        w.node(root & ~2L, 0, -1L, 1, 0);
        return out;
    }

    private final class Walk {
        final long tree;
        final List<Entry> out;
        final Set<Long> seen = new HashSet<>();

        Walk(long tree, List<Entry> out) {
            this.tree = tree;
            this.out = out;
        }

        void node(long enode, long min, long max, int depth, long parentNode) {
            long node = enode & ~NODE_MASK;
            int type = (int) ((enode >>> TYPE_SHIFT) & TYPE_MASK);
            String where = "maple tree 0x" + Long.toHexString(tree) + ": node 0x" + Long.toHexString(node);
            if (node >= 0 || node == 0) {
                throw new MemoryAccessException(node, where + " is not a kernel address (encoded 0x"
                        + Long.toHexString(enode) + ")");
            }
            if (type > ARANGE_64) {
                throw new MemoryAccessException(node, where + " has unknown type " + type);
            }
            if (depth > MAX_HEIGHT) {
                throw new MemoryAccessException(node, where + " is deeper than " + MAX_HEIGHT + " levels");
            }
            if (!seen.add(node)) {
                throw new MemoryAccessException(node, where + " reached twice (cycle)");
            }
            if (seen.size() > maxNodes) {
                throw new MemoryAccessException(node, where + ": more than " + maxNodes + " nodes");
            }
            byte[] b = mem.readBytes(node, layout.nodeSize());
            long parent = LittleEndian.u64(b, layout.parentOffset());
            if ((parent & ~NODE_MASK) == node) {
                throw new MemoryAccessException(node, where + " is dead (freed)");
            }
            if (checkParents) {
                boolean ok = parentNode == 0 ? (parent & ROOT_PARENT) != 0
                        : (parent & ROOT_PARENT) == 0 && (parent & ~NODE_MASK) == parentNode;
                if (!ok) {
                    throw new MemoryAccessException(node, where + " has parent pointer 0x" + Long.toHexString(parent)
                            + (parentNode == 0 ? " without the root flag" : ", expected node 0x"
                            + Long.toHexString(parentNode)));
                }
            }
            if (type == DENSE) {
                dense(b, min, max);
                return;
            }
            boolean arange = type == ARANGE_64;
            int slots = arange ? layout.arange64Slots() : layout.range64Slots();
            int pivOff = arange ? layout.arange64PivotOffset() : layout.range64PivotOffset();
            int slotOff = arange ? layout.arange64SlotOffset() : layout.range64SlotOffset();
            int pivots = slots - 1;
            int end = dataEnd(b, arange, pivots, pivOff, max, node, where);
            long first = min;
            for (int i = 0; i <= end; i++) {
                long last = i < pivots ? LittleEndian.u64(b, pivOff + 8 * i) : max;
                if (i > 0 && last == 0) {
                    last = max; // mas_logical_pivot(): a 0 pivot past slot 0 means "to the node's max"
                }
                if (Long.compareUnsigned(last, first) < 0 || Long.compareUnsigned(last, max) > 0) {
                    throw new MemoryAccessException(node, where + ": pivot " + i + " = 0x" + Long.toHexString(last)
                            + " outside [0x" + Long.toHexString(first) + ", 0x" + Long.toHexString(max) + "]");
                }
                long slot = LittleEndian.u64(b, slotOff + 8 * i);
                if (type == LEAF_64) {
                    if (slot != 0 && !isReserved(slot)) {
                        out.add(new Entry(first, last, slot));
                    }
                } else if (slot != 0) {
                    // Child slots hold plain encoded nodes (mt_mk_node); only the root carries MAPLE_ROOT_NODE.
                    node(slot, first, last, depth + 1, node);
                }
                if (last == max) {
                    break;
                }
                first = last + 1;
            }
        }

        int dataEnd(byte[] b, boolean arange, int pivots, int pivOff, long max, long node, String where) {
            int end;
            if (arange) {
                end = b[layout.arange64MetaEndOffset()] & 0xff;
            } else {
                long lastPivot = LittleEndian.u64(b, pivOff + 8 * (pivots - 1));
                if (lastPivot == 0) {
                    end = b[layout.range64MetaEndOffset()] & 0xff;
                } else {
                    end = lastPivot == max ? pivots - 1 : pivots;
                }
            }
            if (end > pivots) {
                throw new MemoryAccessException(node, where + ": metadata end " + end + " beyond the node's "
                        + (pivots + 1) + " slots");
            }
            return end;
        }

        void dense(byte[] b, long min, long max) {
            for (int i = 0; i < layout.denseSlots(); i++) {
                long index = min + i;
                if (Long.compareUnsigned(index, max) > 0 || (i > 0 && index == 0)) {
                    break;
                }
                long slot = LittleEndian.u64(b, layout.denseSlotOffset() + 8 * i);
                if (slot != 0 && !isReserved(slot)) {
                    out.add(new Entry(index, index, slot));
                }
            }
        }
    }

    /** xa_is_node(): internal ((x &amp; 3) == 2) and above 4096. */
    static boolean isNode(long e) {
        return (e & 3) == 2 && Long.compareUnsigned(e, 4096) > 0;
    }

    /** mt_is_reserved(): internal values below MAPLE_RESERVED_RANGE (4096), e.g. XA_ZERO_ENTRY. */
    static boolean isReserved(long e) {
        return (e & 3) == 2 && Long.compareUnsigned(e, 4096) < 0;
    }
}
