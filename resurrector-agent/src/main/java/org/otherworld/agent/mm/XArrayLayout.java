package org.otherworld.agent.mm;

/**
 * Offsets of struct xarray and struct xa_node (include/linux/xarray.h, v6.1), resolved once from BTF
 * by the caller, plus two configuration constants.
 *
 * @param headOffset       offsetof(struct xarray, xa_head)
 * @param flagsOffset      offsetof(struct xarray, xa_flags) (gfp_t, 4 bytes)
 * @param nodeShiftOffset  offsetof(struct xa_node, shift) (u8)
 * @param nodeOffsetOffset offsetof(struct xa_node, offset) (u8, slot index in the parent)
 * @param nodeParentOffset offsetof(struct xa_node, parent)
 * @param nodeSlotsOffset  offsetof(struct xa_node, slots)
 * @param nodeMarksOffset  offsetof(struct xa_node, marks)
 * @param nodeSize         sizeof(struct xa_node)
 * @param chunkShift       XA_CHUNK_SHIFT (6 unless CONFIG_BASE_SMALL; slots has 1 &lt;&lt; chunkShift entries)
 * @param flagsMarkShift   __GFP_BITS_SHIFT: XA_FLAGS_MARK(m) = 1 &lt;&lt; (flagsMarkShift + m) in xa_flags
 *                         (27 in 6.1 without CONFIG_LOCKDEP, include/linux/gfp_types.h)
 */
public record XArrayLayout(int headOffset, int flagsOffset, int nodeShiftOffset, int nodeOffsetOffset,
                           int nodeParentOffset, int nodeSlotsOffset, int nodeMarksOffset, int nodeSize,
                           int chunkShift, int flagsMarkShift) {

    public int chunkSize() {
        return 1 << chunkShift;
    }

    /** XA_MARK_LONGS: unsigned longs per mark bitmap. */
    public int markLongs() {
        return (chunkSize() + 63) / 64;
    }
}
