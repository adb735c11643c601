package org.otherworld.agent.mm;

/**
 * x86-64 page-table entry bits and swap-entry layout of Linux 6.1.
 *
 * <p>Sources (v6.1): arch/x86/include/asm/pgtable_types.h (_PAGE_BIT_*), page_types.h /
 * page_64_types.h (__PHYSICAL_MASK_SHIFT 52, PHYSICAL_PMD/PUD_PAGE_MASK), pgtable_64.h (swap entry:
 * SWP_TYPE_BITS 5, SWP_OFFSET_FIRST_BIT = _PAGE_BIT_PROTNONE + 1, offset stored inverted, type in the
 * top 5 bits), pgtable-invert.h (a non-zero entry without _PAGE_PRESENT has its PFN inverted).
 */
public final class X86PageBits {
    private X86PageBits() {
    }

    public static final long PRESENT = 1L;          // _PAGE_BIT_PRESENT 0
    public static final long RW = 1L << 1;          // _PAGE_BIT_RW 1
    public static final long USER = 1L << 2;        // _PAGE_BIT_USER 2
    public static final long PWT = 1L << 3;         // _PAGE_BIT_PWT 3
    public static final long PCD = 1L << 4;         // _PAGE_BIT_PCD 4
    public static final long ACCESSED = 1L << 5;    // _PAGE_BIT_ACCESSED 5
    public static final long DIRTY = 1L << 6;       // _PAGE_BIT_DIRTY 6
    public static final long PSE = 1L << 7;         // _PAGE_BIT_PSE 7 (2M/1G leaf at PMD/PUD)
    public static final long GLOBAL = 1L << 8;      // _PAGE_BIT_GLOBAL 8
    /** _PAGE_BIT_PROTNONE = _PAGE_BIT_GLOBAL; only meaningful when PRESENT is clear. */
    public static final long PROTNONE = 1L << 8;
    public static final long SOFT_DIRTY = 1L << 11; // _PAGE_BIT_SOFTW3 11
    public static final long NX = 1L << 63;         // _PAGE_BIT_NX 63

    /** _PAGE_KNL_ERRATUM_MASK: pte_none() ignores A and D (set spuriously on some CPUs). */
    public static final long KNL_ERRATUM_MASK = DIRTY | ACCESSED;

    public static final int PAGE_SHIFT = 12;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    public static final long SIZE_2M = 1L << 21;    // PMD_SHIFT 21
    public static final long SIZE_1G = 1L << 30;    // PUD_SHIFT 30
    /** Bits resolved by each page-table level (PTRS_PER_* = 512). */
    public static final int BITS_PER_LEVEL = 9;
    public static final int ENTRIES_PER_TABLE = 1 << BITS_PER_LEVEL;

    /** __PHYSICAL_MASK_SHIFT 52: physical address bits 12..51 of an entry (PTE_PFN_MASK). */
    public static final long PFN_MASK_4K = ((1L << 52) - 1) & ~(PAGE_SIZE - 1);
    /** PHYSICAL_PMD_PAGE_MASK: address bits 21..51 of a 2 MiB leaf (bit 12 is PAT there). */
    public static final long PFN_MASK_2M = ((1L << 52) - 1) & ~(SIZE_2M - 1);
    /** PHYSICAL_PUD_PAGE_MASK: address bits 30..51 of a 1 GiB leaf. */
    public static final long PFN_MASK_1G = ((1L << 52) - 1) & ~(SIZE_1G - 1);

    /** SWP_TYPE_BITS (pgtable_64.h): the arch swap type lives in bits 59..63. */
    public static final int SWP_TYPE_BITS = 5;
    /** SWP_OFFSET_FIRST_BIT = _PAGE_BIT_PROTNONE + 1 = 9. */
    public static final int SWP_OFFSET_FIRST_BIT = 9;
    /** SWP_OFFSET_SHIFT = SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS = 14. */
    public static final int SWP_OFFSET_SHIFT = SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS;

    /** pte_none(): zero apart from the A/D erratum bits. */
    public static boolean isNone(long entry) {
        return (entry & ~KNL_ERRATUM_MASK) == 0;
    }

    /** __swp_type(): {@code val >> (64 - SWP_TYPE_BITS)}. */
    public static int swapType(long entry) {
        return (int) (entry >>> (64 - SWP_TYPE_BITS));
    }

    /** __swp_offset(): {@code ~val << SWP_TYPE_BITS >> SWP_OFFSET_SHIFT} (offset is stored inverted). */
    public static long swapOffset(long entry) {
        return (~entry) << SWP_TYPE_BITS >>> SWP_OFFSET_SHIFT;
    }

    /** __swp_entry(type, offset), i.e. the non-present PTE the kernel writes for a swap entry. */
    public static long encodeSwap(int type, long offset) {
        return ((~offset) << SWP_OFFSET_SHIFT >>> SWP_TYPE_BITS) | ((long) type << (64 - SWP_TYPE_BITS));
    }
}
