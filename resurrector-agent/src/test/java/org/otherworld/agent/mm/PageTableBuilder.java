package org.otherworld.agent.mm;

/** Builds x86-64 page tables in a {@link SparseMemory} for tests. */
final class PageTableBuilder {
    static final long TABLE_FLAGS = X86PageBits.PRESENT | X86PageBits.RW | X86PageBits.USER | X86PageBits.ACCESSED;
    final SparseMemory mem;
    final int levels;
    final long top;
    private long nextTable;

    PageTableBuilder(SparseMemory mem, int levels, long tablePool) {
        this.mem = mem;
        this.levels = levels;
        this.nextTable = tablePool;
        this.top = newTable();
    }

    long newTable() {
        long t = nextTable;
        nextTable += 4096;
        mem.fill(t, 4096, 0);
        return t;
    }

    /** Physical address of the entry for {@code va} at {@code level}, creating tables above it. */
    long entryAddr(long va, int level) {
        long table = top;
        for (int l = levels; l > level; l--) {
            long ea = table + (((va >>> (12 + 9 * (l - 1))) & 511) << 3);
            long e = read(ea);
            if (e == 0) {
                long t = newTable();
                mem.putU64(ea, t | TABLE_FLAGS);
                table = t;
            } else {
                table = e & X86PageBits.PFN_MASK_4K;
            }
        }
        return table + (((va >>> (12 + 9 * (level - 1))) & 511) << 3);
    }

    long read(long pa) {
        return mem.phys().readU64(pa);
    }

    void set(long va, int level, long entry) {
        mem.putU64(entryAddr(va, level), entry);
    }

    void map4k(long va, long pa, long flags) {
        set(va, 1, pa | flags | X86PageBits.PRESENT);
    }

    void map2m(long va, long pa, long flags) {
        set(va, 2, pa | flags | X86PageBits.PRESENT | X86PageBits.PSE);
    }

    void map1g(long va, long pa, long flags) {
        set(va, 3, pa | flags | X86PageBits.PRESENT | X86PageBits.PSE);
    }
}
