package org.otherworld.agent.mm;

/**
 * One leaf of a page-table walk.
 *
 * @param va         virtual address of the start of the leaf (aligned to {@code size})
 * @param pa         physical address of the start of the leaf for resident kinds; for MIGRATION and
 *                   DEVICE entries the address of the PFN the entry holds; -1 otherwise
 * @param size       4 KiB, 2 MiB or 1 GiB
 * @param entry      the raw page-table entry
 * @param kind       what the entry describes
 * @param swapType   swap type for non-resident kinds (the arch 5-bit type), else -1
 * @param swapOffset swap offset for non-resident kinds, else -1
 */
public record PageMapping(long va, long pa, long size, long entry, PageKind kind, int swapType, long swapOffset) {

    /** The entry's flag bits (everything but the physical address bits of a present leaf). */
    public long flags() {
        long mask = size == X86PageBits.SIZE_1G ? X86PageBits.PFN_MASK_1G
                : size == X86PageBits.SIZE_2M ? X86PageBits.PFN_MASK_2M : X86PageBits.PFN_MASK_4K;
        return entry & ~mask;
    }

    public boolean writable() {
        return (entry & X86PageBits.RW) != 0;
    }

    public boolean user() {
        return (entry & X86PageBits.USER) != 0;
    }

    public boolean noExecute() {
        return (entry & X86PageBits.NX) != 0;
    }

    public boolean dirty() {
        return (entry & X86PageBits.DIRTY) != 0;
    }

    public boolean accessed() {
        return (entry & X86PageBits.ACCESSED) != 0;
    }

    /** Physical address for {@code vaddr} inside this (resident) leaf. */
    public long physical(long vaddr) {
        return pa + (vaddr - va);
    }

    @Override
    public String toString() {
        return kind + " va=0x" + Long.toHexString(va) + " size=0x" + Long.toHexString(size)
                + (pa >= 0 ? " pa=0x" + Long.toHexString(pa) : "")
                + (swapType >= 0 ? " swap=" + swapType + "/0x" + Long.toHexString(swapOffset) : "")
                + " entry=0x" + Long.toHexString(entry);
    }
}
