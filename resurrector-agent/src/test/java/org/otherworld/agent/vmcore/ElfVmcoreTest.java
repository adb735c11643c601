package org.otherworld.agent.vmcore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ElfVmcoreTest {
    static final String INFO = "OSRELEASE=6.1.0-18-cloud-amd64\nBUILD-ID=abc123\nPAGESIZE=4096\n"
            + "SYMBOL(init_task)=ffffffff82a0c940\nNUMBER(phys_base)=-1073741824\nKERNELOFFSET=1e000000\n";
    static final byte[] A = SyntheticCore.pattern(0x3000, 1);
    static final byte[] B = SyntheticCore.pattern(0x1000, 99);

    @TempDir
    Path dir;

    static SyntheticCore standard() {
        return new SyntheticCore()
                .note("CORE", 1, SyntheticCore.prstatus(0, 0x1000))
                .vmcoreInfo(INFO)
                .note("CORE", 1, SyntheticCore.prstatus(1234, 0x2000))
                .load(0x1000, A, 0x3000)
                .load(0x4000, B, 0x3000);
    }

    Path write(byte[] content) throws IOException {
        Path p = Files.createTempFile(dir, "vmcore", ".elf");
        Files.write(p, content);
        return p;
    }

    @ParameterizedTest
    @EnumSource(ElfVmcore.Access.class)
    void readsWithinAcrossAndBeyondSegments(ElfVmcore.Access access) throws IOException {
        try (ElfVmcore v = ElfVmcore.open(write(standard().build()), access)) {
            assertEquals(access == ElfVmcore.Access.AUTO ? "mmap" : "positional reads", v.accessMode());
            assertArrayEquals(Arrays.copyOfRange(A, 0x10, 0x20), v.readBytes(0x1010, 16));
            // spanning the A/B boundary at 0x4000
            byte[] span = v.readBytes(0x3ff0, 32);
            assertArrayEquals(Arrays.copyOfRange(A, 0x2ff0, 0x3000), Arrays.copyOfRange(span, 0, 16));
            assertArrayEquals(Arrays.copyOfRange(B, 0, 16), Arrays.copyOfRange(span, 16, 32));
            // file part of B ends at 0x5000, memsz runs to 0x7000: tail reads as zeros
            byte[] tail = v.readBytes(0x4ff8, 16);
            assertArrayEquals(Arrays.copyOfRange(B, 0xff8, 0x1000), Arrays.copyOfRange(tail, 0, 8));
            assertArrayEquals(new byte[8], Arrays.copyOfRange(tail, 8, 16));
            assertArrayEquals(new byte[16], v.readBytes(0x6ff0, 16));
            assertEquals(LittleEndian.u64(A, 0x100), v.readU64(0x1100));
            // a large read crossing both segments and the zero tail
            byte[] big = v.readBytes(0x1000, 0x6000);
            assertArrayEquals(A, Arrays.copyOfRange(big, 0, 0x3000));
            assertArrayEquals(B, Arrays.copyOfRange(big, 0x3000, 0x4000));
            // outside
            MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> v.readBytes(0x7000, 1));
            assertEquals(0x7000, e.address());
            assertThrows(MemoryAccessException.class, () -> v.readBytes(0x6ff8, 16));
            assertThrows(MemoryAccessException.class, () -> v.readBytes(0x0, 8));
            assertThrows(MemoryAccessException.class, () -> v.readBytes(0xfff, 2));
            assertTrue(v.contains(0x1000));
            assertTrue(v.contains(0x6fff));
            assertFalse(v.contains(0x7000));
            assertFalse(v.contains(0xfff));
        }
    }

    @Test
    void notesCpusAndVmcoreInfo() throws IOException {
        try (ElfVmcore v = ElfVmcore.open(write(standard().build()))) {
            assertEquals(3, v.notes().size());
            assertEquals("VMCOREINFO", v.notes().get(1).name());
            assertEquals(2, v.segments().size());
            assertEquals(0x4000, v.segments().get(1).paddr());
            assertEquals(0x1000, v.segments().get(1).fileSize());
            assertEquals(0x3000, v.segments().get(1).memSize());
            assertEquals("6.1.0-18-cloud-amd64", v.vmcoreInfo().osRelease());
            assertEquals(0xffffffff82a0c940L, v.vmcoreInfo().symbol("init_task"));
            assertEquals(2, v.cpus().size());
            CpuState c0 = v.cpus().get(0);
            CpuState c1 = v.cpus().get(1);
            assertEquals(0, c0.cpu());
            assertEquals(1, c1.cpu());
            assertEquals(0, c0.pid());
            assertEquals(1234, c1.pid());
            assertEquals(0x2000, c1.r15());
            assertEquals(0x2004, c1.rbp());
            assertEquals(0x200a, c1.rax());
            assertEquals(0x200e, c1.rdi());
            assertEquals(0x200f, c1.origRax());
            assertEquals(0x2010, c1.rip());
            assertEquals(0x2011, c1.cs());
            assertEquals(0x2012, c1.eflags());
            assertEquals(0x2013, c1.rsp());
            assertEquals(0x2016, c1.gsBase());
            assertEquals(0x201a, c1.gs());
            assertEquals(0x1010, c0.rip());
            assertTrue(v.warnings().isEmpty());
        }
    }

    @Test
    void overlappingSegmentsLikeKernelTextInsideRam() throws IOException {
        byte[] ram = SyntheticCore.pattern(0x10000, 5);
        SyntheticCore c = new SyntheticCore().vmcoreInfo(INFO)
                .load(0x2000, Arrays.copyOfRange(ram, 0x2000, 0x3000), 0x1000) // "kernel text", listed first
                .load(0x0, ram, 0x10000)
                .load(0x20000, new byte[16], 16);
        try (ElfVmcore v = ElfVmcore.open(write(c.build()))) {
            for (long a : new long[] {0x0, 0x1ff8, 0x2000, 0x2ff8, 0x3000, 0x8000, 0xfff8}) {
                assertArrayEquals(Arrays.copyOfRange(ram, (int) a, (int) a + 8), v.readBytes(a, 8), "at 0x" + Long.toHexString(a));
            }
            assertArrayEquals(ram, v.readBytes(0, 0x10000));
            assertThrows(MemoryAccessException.class, () -> v.readBytes(0x10000, 1));
            assertEquals(0, v.readU64(0x20008));
        }
    }

    String openError(byte[] content) throws IOException {
        Path p = write(content);
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> ElfVmcore.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        return e.getMessage();
    }

    @Test
    void headerErrors() throws IOException {
        byte[] good = standard().build();
        byte[] f = good.clone();
        f[1] = 'X';
        assertTrue(openError(f).contains("not an ELF file"));
        f = good.clone();
        f[4] = 1;
        assertTrue(openError(f).contains("not ELF64"));
        f = good.clone();
        f[5] = 2;
        assertTrue(openError(f).contains("not little-endian"));
        f = good.clone();
        SyntheticCore.putU16(f, 18, 183);
        assertTrue(openError(f).contains("unsupported architecture 183"));
        f = good.clone();
        SyntheticCore.putU16(f, 16, 2);
        assertTrue(openError(f).contains("not an ELF core file"));
        f = good.clone();
        LittleEndian.putU64(f, 64 + 56 + 32, 0x2000); // PT_LOAD #1: p_filesz 0x2000
        LittleEndian.putU64(f, 64 + 56 + 40, 0x1000); // p_memsz 0x1000
        assertTrue(openError(f).contains("p_filesz 0x2000 > p_memsz 0x1000"));
        assertTrue(openError(new byte[0]).contains("truncated ELF header"));
    }

    @Test
    void extendedProgramHeaderCount() throws IOException {
        byte[] good = standard().build();
        byte[] f = Arrays.copyOf(good, good.length + 64); // section header 0 appended at the end
        SyntheticCore.putU16(f, 56, 0xffff); // PN_XNUM
        LittleEndian.putU64(f, 40, good.length); // e_shoff
        LittleEndian.putU32(f, good.length + 44, 3); // sh_info = real e_phnum
        try (ElfVmcore v = ElfVmcore.open(write(f))) {
            assertEquals(2, v.segments().size());
            assertEquals(2, v.cpus().size());
        }
        LittleEndian.putU64(f, 40, good.length + 1000);
        assertTrue(openError(f).contains("truncated section header 0"));
    }

    @Test
    void missingVmcoreInfo() throws IOException {
        SyntheticCore c = new SyntheticCore().note("CORE", 1, SyntheticCore.prstatus(1, 0)).load(0, new byte[64], 64);
        assertTrue(openError(c.build()).contains("not a kernel crash dump"));
    }

    @Test
    void truncatedAtSeveralPoints() throws IOException {
        SyntheticCore c = standard();
        byte[] good = c.build();
        int phEnd = 64 + 56 * 3;
        assertTrue(openError(Arrays.copyOf(good, 10)).contains("truncated ELF header"));
        assertTrue(openError(Arrays.copyOf(good, 63)).contains("truncated ELF header"));
        assertTrue(openError(Arrays.copyOf(good, 64)).contains("truncated program headers"));
        assertTrue(openError(Arrays.copyOf(good, phEnd - 1)).contains("truncated program headers"));
        assertTrue(openError(Arrays.copyOf(good, (int) c.noteOffset + 5)).contains("PT_NOTE #0"));
        String m = openError(Arrays.copyOf(good, c.loadOffsets.get(0).intValue() + 100));
        assertTrue(m.contains("truncated vmcore: PT_LOAD #1 (paddr 0x1000)"), m);
        assertTrue(m.contains("file has only 0x"), m);
        m = openError(Arrays.copyOf(good, good.length - 1));
        assertTrue(m.contains("truncated vmcore: PT_LOAD #2 (paddr 0x4000)"), m);
    }

    @Test
    void malformedPrstatusIsSkippedWithWarning() throws IOException {
        SyntheticCore c = new SyntheticCore().vmcoreInfo(INFO).note("CORE", 1, new byte[40])
                .note("CORE", 1, SyntheticCore.prstatus(7, 0)).load(0, new byte[64], 64);
        try (ElfVmcore v = ElfVmcore.open(write(c.build()))) {
            assertEquals(1, v.cpus().size());
            assertEquals(7, v.cpus().get(0).pid());
            assertEquals(1, v.warnings().size());
        }
    }

    /** Every bit flip in headers and notes gives a clear error or working reads; never anything else. */
    @Test
    void bitFlippedHeadersFailCleanly() {
        assertTimeoutPreemptively(Duration.ofSeconds(15), () -> {
            SyntheticCore c = standard();
            byte[] good = c.build();
            int headerEnd = c.loadOffsets.get(0).intValue();
            Path p = dir.resolve("flip.elf");
            Random rnd = new Random(42);
            int opened = 0;
            for (int iter = 0; iter < 400; iter++) {
                byte[] f = good.clone();
                int pos = iter < 120 ? iter : rnd.nextInt(headerEnd); // all of ehdr + early phdrs, then random
                f[pos] ^= (byte) (1 << rnd.nextInt(8));
                Files.write(p, f);
                try (ElfVmcore v = ElfVmcore.open(p)) {
                    opened++;
                    for (long a : new long[] {0x1000, 0x3ff8, 0x4ff8, 0x6ff8}) {
                        try {
                            v.readBytes(a, 16);
                        } catch (MemoryAccessException expected) {
                            // acceptable: a corrupted segment table no longer covers it
                        }
                    }
                    v.cpus().forEach(CpuState::rip);
                } catch (VmcoreFormatException expected) {
                    assertFalse(expected.getMessage().isEmpty());
                } catch (Throwable t) {
                    fail("flip at byte " + pos + " gave " + t, t);
                }
            }
            assertTrue(opened > 50, "most flips (vaddr, flags, note text) should still open: " + opened);
        });
    }
}
