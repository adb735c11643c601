package org.otherworld.agent.mm;

import java.util.OptionalLong;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.kernel.StructType;
import org.otherworld.agent.kernel.UnsupportedKernelException;

/**
 * Where the dead kernel's swap areas are described and the offsets needed to map a swap slot to a
 * block of the device holding it (Linux 6.1, include/linux/swap.h, mm/swapfile.c), resolved once.
 *
 * @param swapInfo          address of {@code struct swap_info_struct *swap_info[MAX_SWAPFILES]}
 * @param maxSwapFiles      MAX_SWAPFILES
 * @param flagsOffset       offsetof(swap_info_struct, flags) (unsigned long)
 * @param maxOffset         offsetof(swap_info_struct, max) (unsigned int: pages of the area, header included)
 * @param extentRootOffset  offsetof(swap_info_struct, swap_extent_root) (struct rb_root: its rb_node pointer)
 * @param bdevOffset        offsetof(swap_info_struct, bdev)
 * @param bdDevOffset       offsetof(block_device, bd_dev) (dev_t, u32)
 * @param rbRightOffset     offsetof(rb_node, rb_right)
 * @param rbLeftOffset      offsetof(rb_node, rb_left)
 * @param extentNodeOffset  offsetof(swap_extent, rb_node)
 * @param startPageOffset   offsetof(swap_extent, start_page)
 * @param nrPagesOffset     offsetof(swap_extent, nr_pages)
 * @param startBlockOffset  offsetof(swap_extent, start_block) (in PAGE_SIZE units of the device)
 * @param swpUsed           the SWP_USED flag bit
 * @param swpWriteOk        the SWP_WRITEOK flag bit
 * @param swpFsOps          the SWP_FS_OPS flag bit (swap through a filesystem's own I/O: no block mapping)
 */
public record SwapDeviceLayout(long swapInfo, int maxSwapFiles, long flagsOffset, long maxOffset,
                               long extentRootOffset, long bdevOffset, long bdDevOffset, long rbRightOffset,
                               long rbLeftOffset, long extentNodeOffset, long startPageOffset, long nrPagesOffset,
                               long startBlockOffset, long swpUsed, long swpWriteOk, long swpFsOps) {
    /** SWP_USED, SWP_WRITEOK, SWP_FS_OPS of v6.1's anonymous enum in include/linux/swap.h (fallbacks). */
    static final long SWP_USED_61 = 1 << 0;
    static final long SWP_WRITEOK_61 = 1 << 1;
    static final long SWP_FS_OPS_61 = 1 << 8;

    /**
     * The layout of {@code k}'s swap areas.
     *
     * @throws UnsupportedKernelException if the kernel has no swap_info symbol (CONFIG_SWAP off)
     */
    public static SwapDeviceLayout of(DeadKernel k) {
        OptionalLong info = k.symbols().find("swap_info");
        if (info.isEmpty()) {
            throw new UnsupportedKernelException("kernel " + k.release() + " has no swap_info symbol (no swap support)");
        }
        KernelTypes t = k.types();
        StructType sis = t.struct("swap_info_struct");
        StructType rb = t.struct("rb_node");
        StructType se = t.struct("swap_extent");
        return new SwapDeviceLayout(info.getAsLong(), SwapTypeLayout.linux61AllEnabled().maxSwapFiles(),
                sis.member("flags").offset(), sis.member("max").offset(),
                sis.member("swap_extent_root").offset() + t.struct("rb_root").member("rb_node").offset(),
                sis.member("bdev").offset(), t.struct("block_device").member("bd_dev").offset(),
                rb.member("rb_right").offset(), rb.member("rb_left").offset(), se.member("rb_node").offset(),
                se.member("start_page").offset(), se.member("nr_pages").offset(), se.member("start_block").offset(),
                flag(t, "SWP_USED", SWP_USED_61), flag(t, "SWP_WRITEOK", SWP_WRITEOK_61),
                flag(t, "SWP_FS_OPS", SWP_FS_OPS_61));
    }

    private static long flag(KernelTypes t, String name, long fallback) {
        return t.hasEnumValue(name) ? t.enumValue(null, name) : fallback;
    }
}
