package org.otherworld.agent.mm;

/**
 * How the 32 swap "types" (MAX_SWAPFILES_SHIFT = 5) are split between real swap files and special
 * entries. Depends on kernel configuration (include/linux/swap.h, v6.1):
 * MAX_SWAPFILES = 32 - SWP_DEVICE_NUM - SWP_MIGRATION_NUM - SWP_HWPOISON_NUM - SWP_PTE_MARKER_NUM
 * - SWP_SWAPIN_ERROR_NUM, followed in this order by HWPOISON, MIGRATION_{READ, READ_EXCLUSIVE, WRITE},
 * DEVICE_{WRITE, READ, EXCLUSIVE_WRITE, EXCLUSIVE_READ}, PTE_MARKER, SWAPIN_ERROR.
 */
public record SwapTypeLayout(int hwpoisonNum, int migrationNum, int deviceNum, int pteMarkerNum,
                             int swapinErrorNum) {
    /** MAX_SWAPFILES_SHIFT (swap.h). */
    public static final int MAX_SWAPFILES_SHIFT = 5;

    /**
     * Debian 12's 6.1 config: CONFIG_MEMORY_FAILURE, CONFIG_MIGRATION, CONFIG_DEVICE_PRIVATE and
     * CONFIG_PTE_MARKER all on -> 1, 3, 4, 1 (+1 swap-in error) and MAX_SWAPFILES = 22.
     */
    public static SwapTypeLayout linux61AllEnabled() {
        return new SwapTypeLayout(1, 3, 4, 1, 1);
    }

    public int maxSwapFiles() {
        return (1 << MAX_SWAPFILES_SHIFT) - deviceNum - migrationNum - hwpoisonNum - pteMarkerNum - swapinErrorNum;
    }

    /** Classifies a (generic) swap type into SWAP or one of the special kinds. */
    public PageKind classify(int type) {
        int t = type - maxSwapFiles();
        if (t < 0) {
            return PageKind.SWAP;
        }
        if ((t -= hwpoisonNum) < 0) {
            return PageKind.HWPOISON;
        }
        if ((t -= migrationNum) < 0) {
            return PageKind.MIGRATION;
        }
        if ((t -= deviceNum) < 0) {
            return PageKind.DEVICE;
        }
        if ((t -= pteMarkerNum) < 0) {
            return PageKind.PTE_MARKER;
        }
        return PageKind.OTHER;
    }
}
