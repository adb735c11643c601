package org.otherworld.agent.mm;

/**
 * Offsets and counts of the Linux 6.1 maple tree structures (include/linux/maple_tree.h), resolved
 * once from BTF by the caller. All offsets are in bytes from the start of the structure.
 *
 * @param rootOffset             offsetof(struct maple_tree, ma_root)
 * @param nodeSize               sizeof(struct maple_node)
 * @param parentOffset           offsetof(struct maple_node, parent)
 * @param denseSlotOffset        offsetof(struct maple_node, slot) (dense nodes)
 * @param denseSlots             MAPLE_NODE_SLOTS (array length of maple_node.slot)
 * @param range64PivotOffset     offsetof(struct maple_range_64, pivot)
 * @param range64SlotOffset      offsetof(struct maple_range_64, slot)
 * @param range64Slots           MAPLE_RANGE64_SLOTS (length of maple_range_64.slot; pivots are one fewer)
 * @param range64MetaEndOffset   offsetof(struct maple_range_64, meta) + offsetof(struct maple_metadata, end)
 * @param arange64PivotOffset    offsetof(struct maple_arange_64, pivot)
 * @param arange64SlotOffset     offsetof(struct maple_arange_64, slot)
 * @param arange64Slots          MAPLE_ARANGE64_SLOTS (length of maple_arange_64.slot)
 * @param arange64MetaEndOffset  offsetof(struct maple_arange_64, meta) + offsetof(struct maple_metadata, end)
 */
public record MapleLayout(int rootOffset, int nodeSize, int parentOffset,
                          int denseSlotOffset, int denseSlots,
                          int range64PivotOffset, int range64SlotOffset, int range64Slots, int range64MetaEndOffset,
                          int arange64PivotOffset, int arange64SlotOffset, int arange64Slots,
                          int arange64MetaEndOffset) {
}
