package org.otherworld.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.btf.BtfBuilder;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.VmcoreFormatException;

/** The bootstrap on a tiny synthetic ELF core (two pages of "kernel image") and a profile directory. */
class DeadKernelTest {
    static final long IMAGE = 0xffffffff80000000L;
    static final long PAGE_OFFSET_BASE = 0xff11000000000000L;
    static final long VMEMMAP_BASE = 0xffd4000000000000L;

    @TempDir
    Path dir;

    /** An ELF64 x86-64 core: one VMCOREINFO note and one PT_LOAD of {@code mem} at physical 0. */
    static byte[] core(String vmcoreinfo, byte[] mem) {
        byte[] name = "VMCOREINFO\0".getBytes(StandardCharsets.ISO_8859_1);
        byte[] desc = vmcoreinfo.getBytes(StandardCharsets.ISO_8859_1);
        int noteLen = 12 + pad4(name.length) + pad4(desc.length);
        int noteOff = 64 + 2 * 56;
        int loadOff = (noteOff + noteLen + 4095) & ~4095;
        byte[] f = new byte[loadOff + mem.length];
        f[0] = 0x7f; f[1] = 'E'; f[2] = 'L'; f[3] = 'F'; f[4] = 2; f[5] = 1; f[6] = 1;
        f[16] = 4; f[18] = 62; f[20] = 1;       // ET_CORE, EM_X86_64, EV_CURRENT
        LittleEndian.putU64(f, 32, 64);         // e_phoff
        f[52] = 64; f[54] = 56; f[56] = 2;      // e_ehsize, e_phentsize, e_phnum
        int ph = 64;
        LittleEndian.putU32(f, ph, 4);          // PT_NOTE
        LittleEndian.putU64(f, ph + 8, noteOff);
        LittleEndian.putU64(f, ph + 32, noteLen);
        LittleEndian.putU64(f, ph + 40, noteLen);
        ph += 56;
        LittleEndian.putU32(f, ph, 1);          // PT_LOAD at physical 0
        LittleEndian.putU64(f, ph + 8, loadOff);
        LittleEndian.putU64(f, ph + 32, mem.length);
        LittleEndian.putU64(f, ph + 40, mem.length);
        LittleEndian.putU32(f, noteOff, name.length);
        LittleEndian.putU32(f, noteOff + 4, desc.length);
        System.arraycopy(name, 0, f, noteOff + 12, name.length);
        System.arraycopy(desc, 0, f, noteOff + 12 + pad4(name.length), desc.length);
        System.arraycopy(mem, 0, f, loadOff, mem.length);
        return f;
    }

    static int pad4(int n) {
        return (n + 3) & ~3;
    }

    Path write(String name, byte[] b) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    static String info(String release, boolean l5) {
        return "OSRELEASE=" + release + "\nPAGESIZE=4096\nNUMBER(phys_base)=0\nNUMBER(pgtable_l5_enabled)="
                + (l5 ? 1 : 0) + "\n";
    }

    /** Two pages: variables in page 0, an empty top-level page table in page 1. */
    static byte[] memory() {
        byte[] mem = new byte[8192];
        LittleEndian.putU64(mem, 0x100, PAGE_OFFSET_BASE);
        LittleEndian.putU64(mem, 0x108, VMEMMAP_BASE);
        LittleEndian.putU64(mem, 0x110, 2); // max_pfn
        return mem;
    }

    static String systemMap() {
        return String.format("%016x T _text%n%016x D page_offset_base%n%016x D vmemmap_base%n%016x D max_pfn%n"
                + "%016x D init_top_pgt%n%016x B _end%n", IMAGE, IMAGE + 0x100, IMAGE + 0x108, IMAGE + 0x110,
                IMAGE + 0x1000, IMAGE + 0x2000);
    }

    static byte[] btf() {
        BtfBuilder b = new BtfBuilder();
        int tInt = b.intType("int", 4, BtfBuilder.SIGNED);
        BtfBuilder.Composite lh = b.struct("list_head", 16);
        int lhp = b.ptr(lh.id());
        lh.member("next", lhp, 0).member("prev", lhp, 64);
        b.struct("task_struct", 24).member("pid", tInt, 0).member("tasks", lh.id(), 64);
        b.struct("page", 64).member("flags", b.intType("long unsigned int", 8, 0), 0);
        return b.build();
    }

    @Test
    void oldKernelWithoutProfileIsRefusedByName() throws IOException {
        Path core = write("vmcore", core(info("5.10.0", false), memory()));
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class, () -> DeadKernel.open(core));
        assertEquals("kernel 5.10.0 exports no kallsyms tables in VMCOREINFO and no profile was given", e.getMessage());
    }

    @Test
    void notAVmcore() throws IOException {
        Path p = write("junk", "hello".getBytes(StandardCharsets.ISO_8859_1));
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> DeadKernel.open(p));
        assertTrue(e.getMessage().contains("truncated ELF header"), e.getMessage());
    }

    @Test
    void profileWithoutBtfIsRefusedByName() throws IOException {
        Path core = write("vmcore", core(info("5.10.0", false), memory()));
        Path profile = Files.createDirectory(dir.resolve("profile"));
        Files.writeString(profile.resolve("System.map"), systemMap());
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class,
                () -> DeadKernel.open(core, profile));
        assertTrue(e.getMessage().startsWith("kernel 5.10.0 has no BTF"), e.getMessage());
    }

    @Test
    void bootstrapsFromAProfile() throws IOException {
        Path core = write("vmcore", core(info("5.10.0", true), memory()));
        Path profile = Files.createDirectory(dir.resolve("profile"));
        Files.writeString(profile.resolve("System.map"), systemMap());
        Files.write(profile.resolve("btf"), btf());
        try (DeadKernel k = DeadKernel.open(core, profile)) {
            assertEquals("5.10.0", k.release());
            assertEquals(5, k.pagingLevels());
            assertEquals(PAGE_OFFSET_BASE, k.pageOffsetBase());
            assertEquals(VMEMMAP_BASE, k.vmemmapBase());
            assertEquals(PAGE_OFFSET_BASE + 0x1234, k.physToDirectMap(0x1234));
            assertEquals(0x1234, k.directMapToPhys(PAGE_OFFSET_BASE + 0x1234));
            assertEquals(3L << 12, k.pageToPhys(VMEMMAP_BASE + 3 * 64));
            assertEquals(VMEMMAP_BASE + 5 * 64, k.physToPage(5L << 12));
            assertThrows(RuntimeException.class, () -> k.pageToPhys(VMEMMAP_BASE + 3));
            // kernel memory: the direct map reads physical memory, the image reads through phys_base
            assertEquals(VMEMMAP_BASE, k.kernelMemory().readU64(PAGE_OFFSET_BASE + 0x108));
            assertEquals(2, k.kernelMemory().readU64(IMAGE + 0x110));
            assertEquals(IMAGE + 0x100, k.symbol("page_offset_base"));
            assertEquals(24, k.object("task_struct", PAGE_OFFSET_BASE).type().size());
            assertTrue(k.cpus().isEmpty());
        }
    }

    /**
     * A profile that arm saved from /proc/kallsyms holds the crashed boot's own (KASLR-moved)
     * addresses: it is used as it is, not moved again by KERNELOFFSET.
     */
    @Test
    void aProfileWithTheCrashedBootsAddressesIsNotMovedAgain() throws IOException {
        String info = info("5.10.0", true) + "KERNELOFFSET=200000\nSYMBOL(_stext)=" + Long.toHexString(IMAGE) + "\n";
        Path core = write("vmcore", core(info, memory()));
        Path profile = Files.createDirectory(dir.resolve("profile"));
        Files.writeString(profile.resolve("System.map"), String.format("%016x T _stext%n", IMAGE) + systemMap());
        Files.write(profile.resolve("btf"), btf());
        try (DeadKernel k = DeadKernel.open(core, profile)) {
            assertEquals(IMAGE + 0x100, k.symbol("page_offset_base"));
            assertEquals(PAGE_OFFSET_BASE, k.pageOffsetBase());
        }
    }
}
