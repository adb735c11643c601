package org.otherworld.agent.mm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongUnaryOperator;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Reads swapped-out pages that are still in the dead kernel's swap cache (a page being swapped out or
 * read ahead stays in RAM, in the swap cache, until it is reclaimed).
 *
 * <p>Linux 6.1 (mm/swap_state.c, include/linux/swap.h): each swap type has an array of
 * {@code struct address_space}, one per SWAP_ADDRESS_SPACE_PAGES (1 &lt;&lt; 14) slots;
 * {@code swap_address_space(entry) = &swapper_spaces[swp_type(entry)][swp_offset(entry) >> 14]}, and
 * its {@code i_pages} xarray is indexed by the full {@code swp_offset(entry)} (add_to_swap_cache,
 * filemap_get_folio(swap_address_space(entry), swp_offset(entry))). Each index of a folio holds the
 * folio's head page; its {@code private} field is the swap entry of the folio's first page
 * ({@code swp_entry(type, offset)} = type &lt;&lt; SWP_TYPE_SHIFT | offset), which is checked before the page
 * is trusted. Value entries are workingset shadows of pages no longer cached.
 *
 * <p>A page that cannot be found, or whose structures look wrong, reads as empty; the reason for the
 * latter is kept in {@link #problems()}. Thread-safe (its methods take turns).
 */
public final class SwapCacheSource implements SwapSource {
    /** SWAP_ADDRESS_SPACE_SHIFT (include/linux/swap.h, v6.1). */
    public static final int SWAP_ADDRESS_SPACE_SHIFT = 14;
    /** SWP_TYPE_SHIFT = BITS_PER_XA_VALUE - MAX_SWAPFILES_SHIFT = 63 - 5 (include/linux/swapops.h, v6.1). */
    public static final int SWP_TYPE_SHIFT = 63 - SwapTypeLayout.MAX_SWAPFILES_SHIFT;
    /** SWP_OFFSET_MASK. */
    public static final long SWP_OFFSET_MASK = (1L << SWP_TYPE_SHIFT) - 1;
    /** Largest folio the swap cache holds in 6.1: a PMD-sized THP (HPAGE_PMD_NR). */
    static final int MAX_FOLIO_PAGES = 512;
    /** Node budget of one address_space's xarray (16384 slots need ~260 nodes). */
    static final int MAX_NODES_PER_SPACE = 4096;
    /** Most problems kept. */
    static final int MAX_PROBLEMS = 100;
    private static final int PAGE = 4096;

    private final VirtualMemory kmem;
    private final PhysicalMemory phys;
    private final SwapCacheLayout layout;
    private final LongUnaryOperator pageToPhys;
    private final XArray xarray;
    private final Map<Long, NavigableMap<Long, XArray.Entry>> spaces = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    /**
     * @param kmem       the dead kernel's virtual memory
     * @param phys       its physical memory (page contents)
     * @param layout     where the swap cache is
     * @param pageToPhys struct page address -&gt; physical address of the page
     */
    public SwapCacheSource(VirtualMemory kmem, PhysicalMemory phys, SwapCacheLayout layout, LongUnaryOperator pageToPhys) {
        this.kmem = kmem;
        this.phys = phys;
        this.layout = layout;
        this.pageToPhys = pageToPhys;
        this.xarray = new XArray(kmem, layout.xarray()).maxNodes(MAX_NODES_PER_SPACE);
    }

    /** The swap cache of a dead kernel. */
    public static SwapCacheSource of(DeadKernel k) {
        return new SwapCacheSource(k.kernelMemory(), k.physicalMemory(), SwapCacheLayout.of(k), k::pageToPhys);
    }

    /** swp_entry(type, offset).val. */
    public static long entryValue(int type, long offset) {
        return ((long) type << SWP_TYPE_SHIFT) | (offset & SWP_OFFSET_MASK);
    }

    /** This source, then {@code next} for pages not in the cache (e.g. a {@link SwapDeviceSource}). */
    public SwapSource thenDevice(SwapSource next) {
        return (type, offset) -> {
            Optional<byte[]> p = readPage(type, offset);
            return p.isPresent() || next == null ? p : next.readPage(type, offset);
        };
    }

    /** Problems met (corrupt swap-cache structures), at most {@value #MAX_PROBLEMS}. */
    public synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public synchronized Optional<byte[]> readPage(int type, long offset) {
        if (type < 0 || type >= layout.maxSwapFiles() || offset < 0 || offset > SWP_OFFSET_MASK) {
            return Optional.empty();
        }
        String what = "swap cache " + type + "/0x" + Long.toHexString(offset);
        try {
            long page = cachedPage(type, offset, what);
            if (page == 0) {
                return Optional.empty();
            }
            byte[] b = new byte[PAGE];
            phys.read(pageToPhys.applyAsLong(page), b, 0, PAGE);
            return Optional.of(b);
        } catch (MemoryAccessException e) {
            problem(what + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** The struct page holding slot {@code offset} of swap type {@code type}, or 0 if not cached. */
    public synchronized long cachedPage(int type, long offset) {
        return cachedPage(type, offset, "swap cache " + type + "/0x" + Long.toHexString(offset));
    }

    private long cachedPage(int type, long offset, String what) {
        long spacesArray = kmem.readU64(layout.swapperSpaces() + 8L * type);
        if (spacesArray == 0) {
            return 0; // no swap area of this type
        }
        long index = offset >>> SWAP_ADDRESS_SPACE_SHIFT;
        if (layout.nrSwapperSpaces() != 0) {
            long n = kmem.readU32(layout.nrSwapperSpaces() + 4L * type) & 0xffffffffL;
            if (index >= n) {
                problem(what + ": beyond the " + n + " address spaces of swap type " + type);
                return 0;
            }
        }
        long space = spacesArray + index * layout.addressSpaceSize();
        XArray.Entry e = lookup(space, offset);
        if (e == null || e.value()) {
            return 0; // not cached, or a workingset shadow
        }
        long head = e.entry();
        long priv = kmem.readU64(head + layout.pagePrivateOffset());
        long first = priv & SWP_OFFSET_MASK;
        long delta = offset - first;
        if ((priv >>> SWP_TYPE_SHIFT) != type || delta < 0 || delta >= MAX_FOLIO_PAGES) {
            throw new MemoryAccessException(head, what + ": struct page 0x" + Long.toHexString(head)
                    + " in the swap cache holds swap entry 0x" + Long.toHexString(priv) + ", not this slot");
        }
        return head + delta * layout.structPageSize();
    }

    private XArray.Entry lookup(long space, long offset) {
        NavigableMap<Long, XArray.Entry> m = spaces.get(space);
        if (m == null) {
            m = new TreeMap<>();
            spaces.put(space, m); // a corrupt xarray is reported once, then reads as empty
            for (XArray.Entry e : xarray.entries(space + layout.iPagesOffset())) {
                m.put(e.index(), e);
            }
        }
        Map.Entry<Long, XArray.Entry> f = m.floorEntry(offset);
        if (f == null) {
            return null;
        }
        XArray.Entry e = f.getValue();
        return e.order() < 64 && offset - e.index() < (1L << e.order()) ? e : null;
    }

    private void problem(String p) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(p);
        }
    }
}
