package org.otherworld.agent.mm;

import java.util.Optional;

import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * One process's user address space, read through its page table (mm-&gt;pgd).
 *
 * <p>Page-table isolation: with PTI the pgd is an 8 KiB pair; mm-&gt;pgd is the kernel half and the
 * user half is at pgd | 4096. __pti_set_user_pgtbl() (arch/x86/mm/pti.c, v6.1) writes every
 * user-space PGD entry into both halves (kernel_to_user_pgdp(pgdp)-&gt;pgd = pgd), only adding _PAGE_NX
 * to the kernel copy of present user entries. The lower tables are shared, so walking the kernel
 * half for user addresses finds exactly the user mappings; only the top-level NX bit differs, which
 * is why {@link PageMapping} reports leaf bits alone.
 *
 * <p>Reads are satisfied from resident pages (present or PROT_NONE), from the old page of a
 * migration entry (still intact while its migration is in progress), or from a {@link SwapSource}
 * for swapped pages. Not thread-safe.
 */
public final class UserAddressSpace implements VirtualMemory {
    private final PhysicalMemory phys;
    private final PageTableWalker walker;
    private final SwapSource swap;
    private final long userLimit;

    /**
     * @param phys    the dump's physical memory
     * @param pgdPhys physical address of mm-&gt;pgd (the kernel half with PTI)
     * @param levels  4 or 5
     * @param swap    reader for swapped pages, or null
     */
    public UserAddressSpace(PhysicalMemory phys, long pgdPhys, int levels, SwapSource swap) {
        this(phys, new PageTableWalker(phys, pgdPhys, levels), swap);
    }

    public UserAddressSpace(PhysicalMemory phys, PageTableWalker walker, SwapSource swap) {
        this.phys = phys;
        this.walker = walker;
        this.swap = swap;
        // User space is the lower canonical half: below 1 << 47 (4-level) or 1 << 56 (5-level).
        this.userLimit = 1L << (X86PageBits.PAGE_SHIFT + X86PageBits.BITS_PER_LEVEL * walker.levels() - 1);
    }

    public PageTableWalker walker() {
        return walker;
    }

    /**
     * Visits the leaves of the user range {@code [start, end)}; used to write page images.
     */
    public void pages(long start, long end, PageVisitor visitor) {
        checkUser(start, end - start);
        walker.walk(start, end, visitor);
    }

    /** The leaf mapping {@code va}, or null if unmapped. */
    public PageMapping mapping(long va) {
        checkUser(va, 1);
        return walker.translate(va);
    }

    @Override
    public void read(long vaddr, byte[] dst, int off, int len) {
        checkUser(vaddr, len);
        long va = vaddr;
        int done = 0;
        while (done < len) {
            int inPage = (int) (va & (X86PageBits.PAGE_SIZE - 1));
            int chunk = (int) Math.min(len - done, X86PageBits.PAGE_SIZE - inPage);
            readWithinPage(va, dst, off + done, chunk);
            done += chunk;
            va += chunk;
        }
    }

    private void readWithinPage(long va, byte[] dst, int off, int len) {
        PageMapping m = walker.translate(va);
        if (m == null) {
            throw new MemoryAccessException(va, "user virtual address not mapped");
        }
        switch (m.kind()) {
            case PRESENT, PROT_NONE -> readPhys(va, m.physical(va), dst, off, len);
            case MIGRATION -> readPhys(va, m.physical(va), dst, off, len);
            case SWAP -> {
                Optional<byte[]> page = swap == null ? Optional.empty() : swap.readPage(m.swapType(), m.swapOffset());
                if (page.isEmpty() || page.get().length < X86PageBits.PAGE_SIZE) {
                    throw new MemoryAccessException(va, "user page swapped out (swap type " + m.swapType()
                            + ", offset 0x" + Long.toHexString(m.swapOffset()) + ") and no swap data available");
                }
                System.arraycopy(page.get(), (int) (va & (X86PageBits.PAGE_SIZE - 1)), dst, off, len);
            }
            default -> throw new MemoryAccessException(va, "user page not readable: " + m);
        }
    }

    private void readPhys(long va, long pa, byte[] dst, int off, int len) {
        try {
            phys.read(pa, dst, off, len);
        } catch (MemoryAccessException ex) {
            throw new MemoryAccessException(va, "user page at physical 0x" + Long.toHexString(pa)
                    + " is not in the dump", ex);
        }
    }

    private void checkUser(long va, long len) {
        if (va < 0 || Long.compareUnsigned(va, userLimit) >= 0 || len < 0
                || Long.compareUnsigned(va + len, userLimit) > 0) {
            throw new MemoryAccessException(va, "address range of length " + len + " is outside user space");
        }
    }
}
