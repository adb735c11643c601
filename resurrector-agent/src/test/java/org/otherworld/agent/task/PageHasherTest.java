package org.otherworld.agent.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.mm.UserAddressSpace;
import org.otherworld.agent.mm.X86PageBits;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;

/** Runs of resident pages and their digests over a hand-built 4-level page table. */
class PageHasherTest {
    static final int MEM = 1 << 20;
    final byte[] ram = new byte[MEM];
    final PhysicalMemory phys = new PhysicalMemory() {
        @Override
        public void read(long pa, byte[] dst, int off, int len) {
            if (pa < 0 || pa + len > MEM) {
                throw new MemoryAccessException(pa, "synthetic RAM: out of range");
            }
            System.arraycopy(ram, (int) pa, dst, off, len);
        }

        @Override
        public boolean contains(long pa) {
            return pa >= 0 && pa < MEM;
        }
    };

    static final long PGD = 0x1000, PUD = 0x2000, PMD = 0x3000, PT = 0x4000;
    static final long TABLE = X86PageBits.PRESENT | X86PageBits.RW | X86PageBits.USER;

    void pte(int index, long entry) {
        LittleEndian.putU64(ram, (int) PT + 8 * index, entry);
    }

    /** Maps va 0x400000 + i * 4096 through PT slot i. */
    void setUpTables() {
        LittleEndian.putU64(ram, (int) PGD, PUD | TABLE);
        LittleEndian.putU64(ram, (int) PUD, PMD | TABLE);
        LittleEndian.putU64(ram, (int) PMD + 8 * 2, PT | TABLE); // PMD index 2 = 0x400000
        for (int i = 0; i < 8; i++) {
            for (int b = 0; b < 4096; b++) {
                ram[0x10000 + i * 4096 + b] = (byte) (i * 31 + b);
            }
        }
    }

    static String sha(byte[] ram, int from, int len) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(ram, from, len);
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void runsSplitAtHolesAndIncludeProtNonePages() throws Exception {
        setUpTables();
        pte(0, 0x10000 | TABLE);                          // present
        pte(1, 0x11000 | TABLE);                          // present, contiguous
        // slot 2 empty: a hole
        long protNone = (~0x13000L & X86PageBits.PFN_MASK_4K) | X86PageBits.PROTNONE | X86PageBits.USER;
        pte(3, protNone);                                 // PROT_NONE: resident (PFN stored inverted)
        pte(4, X86PageBits.encodeSwap(0, 0x42));          // swapped out: not resident
        pte(5, 0x15000 | TABLE);
        pte(6, 0x16000 | TABLE);
        UserAddressSpace space = new UserAddressSpace(phys, PGD, 4, null);
        List<PageRun> runs = new ArrayList<>();
        new PageHasher(phys).hash(space, 0x400000, 0x407000, runs);
        assertEquals(3, runs.size(), runs.toString());
        assertEquals(new PageRun(0x400000, 0x402000, sha(ram, 0x10000, 8192), null), runs.get(0));
        assertEquals(new PageRun(0x403000, 0x404000, sha(ram, 0x13000, 4096), null), runs.get(1));
        assertEquals(new PageRun(0x405000, 0x407000, sha(ram, 0x15000, 8192), null), runs.get(2));
    }

    @Test
    void vmaBoundariesSplitRunsAndSpecialVmasAreSkipped() throws Exception {
        setUpTables();
        for (int i = 0; i < 4; i++) {
            pte(i, (0x10000 + i * 4096L) | TABLE);
        }
        UserAddressSpace space = new UserAddressSpace(phys, PGD, 4, null);
        List<Vma> vmas = List.of(
                new Vma(1, 0x400000, 0x401000, VmaFlags.VM_READ, 0, 0, null, null, 0, 0),
                new Vma(2, 0x401000, 0x403000, VmaFlags.VM_READ, 0, 0, null, "[vvar]", 0, 0),
                new Vma(3, 0x403000, 0x404000, VmaFlags.VM_READ, 0, 0, null, "[vdso]", 0, 0));
        List<PageRun> runs = new PageHasher(phys).hash(space, vmas);
        assertEquals(List.of(new PageRun(0x400000, 0x401000, sha(ram, 0x10000, 4096), null),
                new PageRun(0x403000, 0x404000, sha(ram, 0x13000, 4096), null)), runs);
    }

    @Test
    void unreadablePageGivesARunWithoutDigest() {
        setUpTables();
        pte(0, 0x10000 | TABLE);
        pte(1, 0x200000 | TABLE); // beyond the synthetic RAM
        UserAddressSpace space = new UserAddressSpace(phys, PGD, 4, null);
        List<PageRun> runs = new ArrayList<>();
        new PageHasher(phys).hash(space, 0x400000, 0x402000, runs);
        assertEquals(1, runs.size());
        assertEquals(0x402000, runs.get(0).end());
        assertNull(runs.get(0).sha256());
        assertEquals(true, runs.get(0).error().contains("0x401000"), runs.get(0).error());
    }
}
