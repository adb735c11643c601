package org.otherworld.agent.mm;

import java.util.OptionalLong;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.kernel.StructType;
import org.otherworld.agent.kernel.UnsupportedKernelException;

/**
 * Where a Linux 6.1 swap cache lives and the struct offsets needed to read it, resolved once (from
 * kallsyms and BTF by {@link #of(DeadKernel)}, or by hand in tests).
 *
 * @param swapperSpaces      address of {@code struct address_space *swapper_spaces[MAX_SWAPFILES]}
 * @param nrSwapperSpaces    address of {@code unsigned int nr_swapper_spaces[MAX_SWAPFILES]} (static, but in
 *                           kallsyms with CONFIG_KALLSYMS_ALL), or 0 when unknown
 * @param maxSwapFiles       MAX_SWAPFILES (entries of both arrays)
 * @param addressSpaceSize   sizeof(struct address_space)
 * @param iPagesOffset       offsetof(struct address_space, i_pages)
 * @param pagePrivateOffset  offsetof(struct page, private) (the swap entry of a swap-cache page)
 * @param structPageSize     sizeof(struct page)
 * @param xarray             the xarray layout
 */
public record SwapCacheLayout(long swapperSpaces, long nrSwapperSpaces, int maxSwapFiles, long addressSpaceSize,
                              long iPagesOffset, long pagePrivateOffset, long structPageSize, XArrayLayout xarray) {

    /**
     * The layout of {@code k}'s swap cache.
     *
     * @throws UnsupportedKernelException if the kernel has no swapper_spaces (CONFIG_SWAP off)
     */
    public static SwapCacheLayout of(DeadKernel k) {
        OptionalLong spaces = k.symbols().find("swapper_spaces");
        if (spaces.isEmpty()) {
            throw new UnsupportedKernelException("kernel " + k.release() + " has no swapper_spaces symbol (no swap support)");
        }
        KernelTypes t = k.types();
        StructType as = t.struct("address_space");
        StructType page = t.struct("page");
        return new SwapCacheLayout(spaces.getAsLong(), k.symbols().find("nr_swapper_spaces").orElse(0),
                SwapTypeLayout.linux61AllEnabled().maxSwapFiles(), as.size(), as.member("i_pages").offset(),
                page.member("private").offset(), page.size(), k.xarrayLayout());
    }
}
