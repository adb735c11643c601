package org.otherworld.agent.mm;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * The dead kernel's virtual address space: the direct map (va - page_offset_base), the kernel image
 * (va - __START_KERNEL_map + phys_base) and everything else (vmalloc, vmemmap, per-cpu areas, stacks,
 * modules) through a walk of the kernel page table (init_top_pgt).
 *
 * <p>Reads spanning pages are translated page by page. Walk translations are kept in a small cache of
 * recent leaves (4K/2M/1G). Safe for concurrent readers: the cache holds immutable mappings (a racing
 * reader sees an old or a new one, both true), and walks of the shared kernel page table take turns.
 */
public final class KernelAddressSpace implements VirtualMemory {
    /** __START_KERNEL_map (arch/x86/include/asm/page_64_types.h). */
    public static final long START_KERNEL_MAP = 0xffffffff80000000L;

    private static final int CACHE_SIZE = 8;

    private final PhysicalMemory phys;
    private final long pageOffsetBase;
    private final long physBase;
    private final long imageStart;
    private final long imageEnd;
    private final long directMapSize;
    private final PageTableWalker walker;
    private final AtomicReferenceArray<PageMapping> cache = new AtomicReferenceArray<>(CACHE_SIZE);
    private final AtomicInteger cacheNext = new AtomicInteger();

    /**
     * @param phys           the dump's physical memory
     * @param pageOffsetBase page_offset_base (start of the direct map)
     * @param physBase       phys_base (physical load offset of the kernel image)
     * @param imageStart     first VA of the kernel image (e.g. _text)
     * @param imageEnd       VA just past the kernel image (e.g. _end)
     * @param topPgtPhys     physical address of init_top_pgt
     * @param levels         4 or 5
     * @param directMapSize  bytes covered by the direct map (e.g. max_pfn &lt;&lt; 12)
     */
    public KernelAddressSpace(PhysicalMemory phys, long pageOffsetBase, long physBase, long imageStart, long imageEnd,
                              long topPgtPhys, int levels, long directMapSize) {
        this(phys, pageOffsetBase, physBase, imageStart, imageEnd, directMapSize,
                new PageTableWalker(phys, topPgtPhys, levels));
    }

    /** As above, with a caller-configured walker (SME mask, swap layout). */
    public KernelAddressSpace(PhysicalMemory phys, long pageOffsetBase, long physBase, long imageStart, long imageEnd,
                              long directMapSize, PageTableWalker walker) {
        this.phys = phys;
        this.pageOffsetBase = pageOffsetBase;
        this.physBase = physBase;
        this.imageStart = imageStart;
        this.imageEnd = imageEnd;
        this.directMapSize = directMapSize;
        this.walker = walker;
    }

    public PageTableWalker walker() {
        return walker;
    }

    /** Whether {@code va} lies in the direct map. */
    public boolean isDirectMap(long va) {
        return Long.compareUnsigned(va - pageOffsetBase, directMapSize) < 0;
    }

    /** Physical address of a direct-map VA (no range check). */
    public long directMapToPhys(long va) {
        return va - pageOffsetBase;
    }

    /** Direct-map VA of a physical address. */
    public long physToDirectMap(long pa) {
        return pa + pageOffsetBase;
    }

    /**
     * Translates a kernel virtual address.
     *
     * @throws MemoryAccessException if the address is unmapped or not resident
     */
    public long translate(long va) {
        if (isDirectMap(va)) {
            return va - pageOffsetBase;
        }
        if (Long.compareUnsigned(va, imageStart) >= 0 && Long.compareUnsigned(va, imageEnd) < 0) {
            return va - START_KERNEL_MAP + physBase;
        }
        for (int i = 0; i < CACHE_SIZE; i++) {
            PageMapping c = cache.get(i);
            if (c != null && Long.compareUnsigned(va - c.va(), c.size()) < 0) {
                return c.pa() + (va - c.va());
            }
        }
        PageMapping m;
        synchronized (walker) { // the walker reuses its table buffers
            m = walker.translate(va);
        }
        if (m == null) {
            throw new MemoryAccessException(va, "kernel virtual address not mapped in the kernel page table");
        }
        if (!m.kind().resident()) {
            throw new MemoryAccessException(va, "kernel page not resident: " + m);
        }
        cache.set(Math.floorMod(cacheNext.getAndIncrement(), CACHE_SIZE), m);
        return m.physical(va);
    }

    @Override
    public void read(long vaddr, byte[] dst, int off, int len) {
        long va = vaddr;
        int done = 0;
        while (done < len) {
            int chunk = (int) Math.min(len - done, X86PageBits.PAGE_SIZE - (va & (X86PageBits.PAGE_SIZE - 1)));
            long pa = translate(va);
            try {
                phys.read(pa, dst, off + done, chunk);
            } catch (MemoryAccessException ex) {
                throw new MemoryAccessException(va, "kernel virtual address maps to physical 0x"
                        + Long.toHexString(pa) + " which is not in the dump", ex);
            }
            done += chunk;
            va += chunk;
        }
    }
}
