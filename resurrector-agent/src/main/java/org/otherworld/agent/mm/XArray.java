package org.otherworld.agent.mm;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Reads the entries of a Linux 6.1 XArray (e.g. address_space-&gt;i_pages) in index order.
 *
 * <p>Encoding (include/linux/xarray.h, lib/xarray.c, v6.1): bits 1..0 of an entry are 00 for a
 * pointer, x1 for a value entry (xa_mk_value, e.g. a shadow or swap entry in the page cache), 10 for
 * an internal entry. Internal entries above 4096 are node pointers (node = entry - 2); internal values
 * 0..62 are sibling entries naming the canonical slot of a multi-index entry; 256 is the retry entry,
 * 257 the zero entry (both read as NULL). A head that is not a node is the single entry at index 0.
 * Slot i of a node with shift s covers indexes base + (i &lt;&lt; s) ...; the order of a multi-index
 * entry is computed as xa_get_order() does. Marks: bit i of marks[m] in a node marks slot i; for a
 * single head entry the mark lives in xa_flags (XA_FLAGS_MARK).
 *
 * <p>Bounded: node budget, depth limit, cycle detection, shift/offset/parent consistency.
 */
public final class XArray {
    /** XA_MARK_0 = PAGECACHE_TAG_DIRTY (include/linux/fs.h, v6.1). */
    public static final int MARK_0 = 0;
    /** XA_MARK_1 = PAGECACHE_TAG_WRITEBACK. */
    public static final int MARK_1 = 1;
    /** XA_MARK_2 = PAGECACHE_TAG_TOWRITE. */
    public static final int MARK_2 = 2;
    /** Default node budget. */
    public static final int DEFAULT_MAX_NODES = 1_000_000;

    /** xa_mk_internal(256) and xa_mk_internal(257). */
    private static final long RETRY_ENTRY = (256L << 2) | 2;
    private static final long ZERO_ENTRY = (257L << 2) | 2;

    /**
     * One entry.
     *
     * @param index first index of the entry (aligned to its order)
     * @param entry the raw slot value
     * @param order log2 of the number of indexes it covers (multi-index entries, large folios)
     * @param value whether it is a value entry (xa_is_value: shadow/swap entries); see {@link #toValue()}
     */
    public record Entry(long index, long entry, int order, boolean value) {
        /** xa_to_value(). */
        public long toValue() {
            return entry >>> 1;
        }
    }

    private final VirtualMemory mem;
    private final XArrayLayout layout;
    private int maxNodes = DEFAULT_MAX_NODES;
    private boolean checkParents = true;

    public XArray(VirtualMemory mem, XArrayLayout layout) {
        this.mem = mem;
        this.layout = layout;
    }

    public XArray maxNodes(int n) {
        this.maxNodes = n;
        return this;
    }

    /** Whether node parent/offset back-pointers are verified (default on). */
    public XArray checkParents(boolean on) {
        this.checkParents = on;
        return this;
    }

    /** All non-NULL entries of the xarray at {@code xaAddr}. */
    public List<Entry> entries(long xaAddr) {
        return walk(xaAddr, -1);
    }

    /** The entries with mark {@code mark} (0..2) set, descending only into marked slots. */
    public List<Entry> markedEntries(long xaAddr, int mark) {
        if (mark < 0 || mark > 2) {
            throw new IllegalArgumentException("xarray mark must be 0..2, not " + mark);
        }
        return walk(xaAddr, mark);
    }

    private List<Entry> walk(long xaAddr, int mark) {
        List<Entry> out = new ArrayList<>();
        long head = mem.readU64(xaAddr + layout.headOffset());
        if (head == 0) {
            return out;
        }
        if (!MapleTree.isNode(head)) {
            if (isInternal(head)) {
                if (head == RETRY_ENTRY || head == ZERO_ENTRY) {
                    return out;
                }
                throw new MemoryAccessException(xaAddr, "xarray 0x" + Long.toHexString(xaAddr)
                        + ": head holds internal entry 0x" + Long.toHexString(head));
            }
            if (mark >= 0) {
                int flags = mem.readU32(xaAddr + layout.flagsOffset());
                if ((flags & (1L << (layout.flagsMarkShift() + mark))) == 0) {
                    return out;
                }
            }
            out.add(new Entry(0, head, 0, (head & 1) != 0));
            return out;
        }
        new Walk(xaAddr, mark, out).node(head - 2, 0, -1, 0, 0);
        return out;
    }

    private final class Walk {
        final long xa;
        final int mark;
        final List<Entry> out;
        final Set<Long> seen = new HashSet<>();

        Walk(long xa, int mark, List<Entry> out) {
            this.xa = xa;
            this.mark = mark;
            this.out = out;
        }

        void node(long node, long base, int expectedShift, int expectedOffset, long parent) {
            String where = "xarray 0x" + Long.toHexString(xa) + ": node 0x" + Long.toHexString(node);
            if (node >= 0 || (node & 7) != 0) {
                throw new MemoryAccessException(node, where + " is not an aligned kernel address");
            }
            if (!seen.add(node)) {
                throw new MemoryAccessException(node, where + " reached twice (cycle)");
            }
            if (seen.size() > maxNodes) {
                throw new MemoryAccessException(node, where + ": more than " + maxNodes + " nodes");
            }
            byte[] b = mem.readBytes(node, layout.nodeSize());
            int shift = b[layout.nodeShiftOffset()] & 0xff;
            int chunk = layout.chunkShift();
            if (shift % chunk != 0 || shift >= 64 || (expectedShift >= 0 && shift != expectedShift)) {
                throw new MemoryAccessException(node, where + " has shift " + shift
                        + (expectedShift >= 0 ? ", expected " + expectedShift : ""));
            }
            if (checkParents) {
                long p = LittleEndian.u64(b, layout.nodeParentOffset());
                int off = b[layout.nodeOffsetOffset()] & 0xff;
                if (p != parent || (parent != 0 && off != expectedOffset)) {
                    throw new MemoryAccessException(node, where + " has parent 0x" + Long.toHexString(p) + " offset "
                            + off + ", expected parent 0x" + Long.toHexString(parent) + " offset " + expectedOffset);
                }
            }
            int slots = layout.chunkSize();
            long[] s = new long[slots];
            for (int i = 0; i < slots; i++) {
                s[i] = LittleEndian.u64(b, layout.nodeSlotsOffset() + 8 * i);
            }
            int markBase = layout.nodeMarksOffset() + Math.max(mark, 0) * layout.markLongs() * 8;
            for (int i = 0; i < slots; i++) {
                long e = s[i];
                if (e == 0) {
                    continue;
                }
                if (mark >= 0 && (b[markBase + (i >>> 3)] & (1 << (i & 7))) == 0) {
                    continue;
                }
                long index = base + ((long) i << shift);
                if (isInternal(e)) {
                    if (MapleTree.isNode(e)) {
                        if (shift == 0) {
                            throw new MemoryAccessException(node, where + ": slot " + i
                                    + " points to a node below the last level");
                        }
                        node(e - 2, index, shift - chunk, i, node);
                    } else if (isSibling(e, slots)) {
                        if ((e >>> 2) >= i) {
                            throw new MemoryAccessException(node, where + ": slot " + i + " is a sibling of slot "
                                    + (e >>> 2) + " which does not precede it");
                        }
                    } else if (e != RETRY_ENTRY && e != ZERO_ENTRY) {
                        throw new MemoryAccessException(node, where + ": slot " + i + " holds unknown internal entry 0x"
                                + Long.toHexString(e));
                    }
                    continue;
                }
                int order = 0;
                while (i + (1 << order) < slots && isSibling(s[i + (1 << order)], slots)) {
                    order++;
                }
                out.add(new Entry(index, e, order + shift, (e & 1) != 0));
            }
        }
    }

    private static boolean isInternal(long e) {
        return (e & 3) == 2;
    }

    /** xa_is_sibling(): internal entry below xa_mk_sibling(XA_CHUNK_SIZE - 1). */
    private static boolean isSibling(long e, int slots) {
        return isInternal(e) && Long.compareUnsigned(e, ((long) (slots - 1) << 2) | 2) < 0;
    }
}
