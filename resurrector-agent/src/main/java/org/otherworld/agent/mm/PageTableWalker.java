package org.otherworld.agent.mm;

import java.util.ArrayList;
import java.util.List;

import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;

/**
 * Walks an x86-64 4- or 5-level page table stored in the dump's physical memory: translation of
 * single addresses and enumeration of the leaves of a range.
 *
 * <p>Levels are numbered as in the kernel: 1 = PTE, 2 = PMD, 3 = PUD, 4 = P4D (PGD with 4 levels),
 * 5 = PGD. Entry decoding follows arch/x86/include/asm/pgtable.h of v6.1: PSE leaves at PUD and PMD,
 * non-present non-none entries are leaves (PROT_NONE or a huge page invalidated during a split are
 * resident with an inverted PFN, see pgtable-invert.h; the rest are swap-format entries).
 *
 * <p>Not thread-safe (walks reuse per-level table buffers).
 */
public final class PageTableWalker {
    /** Default bound on the number of tables one walk may read (a corrupt table can fan out). */
    public static final int DEFAULT_MAX_TABLES = 1 << 22;

    private final PhysicalMemory phys;
    private final long topTablePa;
    private final int levels;
    private final int vaBits;
    private final long smeMask;
    private final SwapTypeLayout swapTypes;
    private final byte[][] tableBuffers;
    private int maxTables = DEFAULT_MAX_TABLES;
    private int tablesRead;

    /**
     * @param phys       the dump's physical memory
     * @param topTablePa physical address of the top-level table (PGD)
     * @param levels     4 or 5
     * @param smeMask    the SME encryption bit(s) (sme_me_mask) to strip from addresses, 0 if none
     * @param swapTypes  how swap types split into swap files and special entries
     */
    public PageTableWalker(PhysicalMemory phys, long topTablePa, int levels, long smeMask, SwapTypeLayout swapTypes) {
        if (levels != 4 && levels != 5) {
            throw new IllegalArgumentException("page-table levels must be 4 or 5, not " + levels);
        }
        if ((topTablePa & (X86PageBits.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("top-level page table 0x" + Long.toHexString(topTablePa)
                    + " is not page aligned");
        }
        this.phys = phys;
        this.topTablePa = topTablePa;
        this.levels = levels;
        this.vaBits = X86PageBits.PAGE_SHIFT + X86PageBits.BITS_PER_LEVEL * levels;
        this.smeMask = smeMask;
        this.swapTypes = swapTypes;
        this.tableBuffers = new byte[levels][];
    }

    /** A walker without SME and with Debian 6.1's swap-type layout. */
    public PageTableWalker(PhysicalMemory phys, long topTablePa, int levels) {
        this(phys, topTablePa, levels, 0, SwapTypeLayout.linux61AllEnabled());
    }

    public int levels() {
        return levels;
    }

    public long topTablePhys() {
        return topTablePa;
    }

    /** Limits the number of tables one {@link #walk} may read (default {@value #DEFAULT_MAX_TABLES}). */
    public void setMaxTables(int maxTables) {
        this.maxTables = maxTables;
    }

    /** Whether {@code va} is canonical for this paging mode (48 or 57 significant bits). */
    public boolean isCanonical(long va) {
        return signExtend(va) == va;
    }

    /** Name of a level, for messages. */
    public String levelName(int level) {
        return switch (level) {
            case 1 -> "PTE";
            case 2 -> "PMD";
            case 3 -> "PUD";
            case 4 -> levels == 5 ? "P4D" : "PGD";
            default -> "PGD";
        };
    }

    /**
     * Translates one address.
     *
     * @return the leaf mapping {@code va} (any kind, see {@link PageKind}), or null if no entry maps it
     * @throws MemoryAccessException if {@code va} is not canonical or a table on the way is unreadable
     */
    public PageMapping translate(long va) {
        if (!isCanonical(va)) {
            throw new MemoryAccessException(va, "non-canonical virtual address for " + levels + "-level paging");
        }
        long table = topTablePa;
        for (int level = levels; level >= 1; level--) {
            int shift = shiftOf(level);
            long entryPa = table + (((va >>> shift) & (X86PageBits.ENTRIES_PER_TABLE - 1)) << 3);
            long e;
            try {
                e = phys.readU64(entryPa);
            } catch (MemoryAccessException ex) {
                throw new MemoryAccessException(va, levelName(level) + " table at physical 0x"
                        + Long.toHexString(table) + " is not in the dump", ex);
            }
            if (X86PageBits.isNone(e)) {
                return null;
            }
            long size = 1L << shift;
            boolean present = (e & X86PageBits.PRESENT) != 0;
            if (level == 1 || (level <= 3 && ((e & X86PageBits.PSE) != 0 || !present))) {
                return leaf(va & -size, size, e);
            }
            if (!present) {
                return null; // a non-present P4D/PGD entry maps nothing
            }
            table = e & X86PageBits.PFN_MASK_4K & ~smeMask;
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * Physical address of {@code va} if it is resident (present or PROT_NONE).
     *
     * @throws MemoryAccessException naming the reason otherwise (unmapped, swapped, ...)
     */
    public long toPhysical(long va) {
        PageMapping m = translate(va);
        if (m == null) {
            throw new MemoryAccessException(va, "virtual address not mapped");
        }
        if (!m.kind().resident()) {
            throw new MemoryAccessException(va, "page not resident: " + m);
        }
        return m.physical(va);
    }

    /**
     * Visits every non-empty leaf overlapping {@code [start, end)} in ascending address order.
     * {@code end} is exclusive; {@code end == 0} means "up to the top of the address space" (so {@code walk(0, 0, v)} walks everything).
     * Empty upper-level entries are skipped without descending.
     */
    public void walk(long start, long end, PageVisitor visitor) {
        long last = end - 1;
        if (start == end && end != 0) {
            return;
        }
        if (!isCanonical(start) || !isCanonical(last)) {
            throw new MemoryAccessException(isCanonical(start) ? last : start,
                    "walk range is not canonical for " + levels + "-level paging");
        }
        if (Long.compareUnsigned(start, last) > 0) {
            throw new IllegalArgumentException("walk range start after end");
        }
        tablesRead = 0;
        walkTable(topTablePa, levels, start, last, visitor);
    }

    /** Collects the leaves of {@code [start, end)} (convenience for small ranges). */
    public List<PageMapping> mappings(long start, long end) {
        List<PageMapping> out = new ArrayList<>();
        walk(start, end, new PageVisitor() {
            @Override
            public void resident(long va, long pa, long size, long entry, PageKind kind) {
                out.add(new PageMapping(va, pa, size, entry, kind, -1, -1));
            }

            @Override
            public void nonResident(long va, long size, long entry, PageKind kind, int type, long offset) {
                out.add(leaf(va, size, entry));
            }
        });
        return out;
    }

    private void walkTable(long tablePa, int level, long first, long last, PageVisitor v) {
        byte[] buf = readTable(tablePa, level, first, v);
        if (buf == null) {
            return;
        }
        int shift = shiftOf(level);
        long size = 1L << shift;
        int i0 = (int) ((first >>> shift) & (X86PageBits.ENTRIES_PER_TABLE - 1));
        int i1 = (int) ((last >>> shift) & (X86PageBits.ENTRIES_PER_TABLE - 1));
        long base = first & -size; // VA of entry i0 (sign-extended, i.e. canonical)
        for (int i = i0; i <= i1; i++, base = signExtend(base + size)) {
            long e = LittleEndian.u64(buf, i << 3);
            if (X86PageBits.isNone(e)) {
                continue;
            }
            boolean present = (e & X86PageBits.PRESENT) != 0;
            if (level == 1 || (level <= 3 && ((e & X86PageBits.PSE) != 0 || !present))) {
                emitLeaf(base, size, e, v);
            } else if (present) {
                long cFirst = Long.compareUnsigned(first, base) > 0 ? first : base;
                long entryLast = base + size - 1;
                long cLast = Long.compareUnsigned(last, entryLast) < 0 ? last : entryLast;
                walkTable(e & X86PageBits.PFN_MASK_4K & ~smeMask, level - 1, cFirst, cLast, v);
            }
        }
    }

    private byte[] readTable(long tablePa, int level, long va, PageVisitor v) {
        String where = levelName(level) + " table at physical 0x" + Long.toHexString(tablePa)
                + " (for virtual 0x" + Long.toHexString(va) + ")";
        if (++tablesRead > maxTables) {
            v.tableError(va, level, tablePa, where + ": walk read more than " + maxTables + " tables");
            return null;
        }
        if (!phys.contains(tablePa) || !phys.contains(tablePa + X86PageBits.PAGE_SIZE - 1)) {
            v.tableError(va, level, tablePa, where + " is outside the dumped physical memory");
            return null;
        }
        byte[] buf = tableBuffers[level - 1];
        if (buf == null) {
            buf = tableBuffers[level - 1] = new byte[(int) X86PageBits.PAGE_SIZE];
        }
        try {
            phys.read(tablePa, buf, 0, buf.length);
        } catch (MemoryAccessException ex) {
            v.tableError(va, level, tablePa, where + " is unreadable: " + ex.getMessage());
            return null;
        }
        return buf;
    }

    private void emitLeaf(long va, long size, long e, PageVisitor v) {
        if ((e & X86PageBits.PRESENT) != 0) {
            v.resident(va, e & pfnMask(size) & ~smeMask, size, e, PageKind.PRESENT);
        } else if ((e & X86PageBits.PROTNONE) != 0 || (size > X86PageBits.PAGE_SIZE && (e & X86PageBits.PSE) != 0)) {
            // pgtable-invert.h: any non-zero non-present entry has its PFN stored inverted.
            PageKind kind = (e & X86PageBits.PROTNONE) != 0 ? PageKind.PROT_NONE : PageKind.PRESENT;
            v.resident(va, ~e & pfnMask(size) & ~smeMask, size, e, kind);
        } else {
            int type = X86PageBits.swapType(e);
            v.nonResident(va, size, e, swapTypes.classify(type), type, X86PageBits.swapOffset(e));
        }
    }

    /** Decodes one leaf entry into a {@link PageMapping}. */
    private PageMapping leaf(long va, long size, long e) {
        PageMapping[] out = new PageMapping[1];
        emitLeaf(va, size, e, new PageVisitor() {
            @Override
            public void resident(long va2, long pa, long size2, long entry, PageKind kind) {
                out[0] = new PageMapping(va2, pa, size2, entry, kind, -1, -1);
            }

            @Override
            public void nonResident(long va2, long size2, long entry, PageKind kind, int type, long offset) {
                long pa = kind == PageKind.MIGRATION || kind == PageKind.DEVICE ? pfnOfSpecial(offset) : -1;
                out[0] = new PageMapping(va2, pa, size2, entry, kind, type, offset);
            }
        });
        return out[0];
    }

    /**
     * PFN entries (migration, device) keep the PFN in the low SWP_PFN_BITS = MAX_PHYSMEM_BITS - 12 of
     * the offset (swapops.h); MAX_PHYSMEM_BITS is 52 with 5-level paging and 46 with 4-level.
     */
    private long pfnOfSpecial(long offset) {
        int physBits = levels == 5 ? 52 : 46;
        return (offset & ((1L << (physBits - X86PageBits.PAGE_SHIFT)) - 1)) << X86PageBits.PAGE_SHIFT;
    }

    private static long pfnMask(long size) {
        return size == X86PageBits.SIZE_1G ? X86PageBits.PFN_MASK_1G
                : size == X86PageBits.SIZE_2M ? X86PageBits.PFN_MASK_2M : X86PageBits.PFN_MASK_4K;
    }

    private static int shiftOf(int level) {
        return X86PageBits.PAGE_SHIFT + X86PageBits.BITS_PER_LEVEL * (level - 1);
    }

    private long signExtend(long va) {
        int s = 64 - vaBits;
        return (va << s) >> s;
    }
}
