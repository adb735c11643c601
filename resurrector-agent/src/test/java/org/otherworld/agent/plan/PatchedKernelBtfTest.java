package org.otherworld.agent.plan;

import org.otherworld.agent.testing.ByteMemory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.kernel.StructType;
import org.otherworld.agent.task.FpuProvenance;

/**
 * The readers against the BTF of the real patched kernel ({@code kernel-patches/build.sh --full} output in
 * the shared cache, {@code ~/.cache/otherworld/kernel-src/VERSION/full/build/vmlinux}); skipped when no such
 * build exists. Memory is synthetic, written at the offsets the real BTF gives.
 */
class PatchedKernelBtfTest {
    static final long BASE = 0xffff888010000000L;

    static Path vmlinux() throws IOException {
        Path root = Path.of(System.getProperty("user.home"), ".cache", "otherworld", "kernel-src");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.resolve("full/build/vmlinux")).filter(Files::isRegularFile).findFirst().orElse(null);
        }
    }

    /** The .BTF section of an ELF64 little-endian file. */
    static byte[] btfSection(Path elf) throws IOException {
        try (FileChannel ch = FileChannel.open(elf)) {
            ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            long shoff = h.getLong(0x28);
            int shentsize = h.getShort(0x3a) & 0xffff;
            int shnum = h.getShort(0x3c) & 0xffff;
            int shstrndx = h.getShort(0x3e) & 0xffff;
            ByteBuffer sh = ByteBuffer.allocate(shentsize * shnum).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(sh, shoff);
            ByteBuffer names = read(ch, sh.getLong(shstrndx * shentsize + 0x18), sh.getLong(shstrndx * shentsize + 0x20));
            for (int i = 0; i < shnum; i++) {
                int name = sh.getInt(i * shentsize);
                int end = name;
                while (names.get(end) != 0) {
                    end++;
                }
                if (".BTF".equals(new String(names.array(), name, end - name, StandardCharsets.ISO_8859_1))) {
                    return read(ch, sh.getLong(i * shentsize + 0x18), sh.getLong(i * shentsize + 0x20)).array();
                }
            }
        }
        throw new IOException(elf + " has no .BTF section");
    }

    private static ByteBuffer read(FileChannel ch, long off, long len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, off + b.position()) > 0) {
            // keep reading
        }
        return b;
    }

    @Test
    void readersFindThePatchMembersInTheRealBtf() throws IOException {
        Path v = vmlinux();
        Assumptions.assumeTrue(v != null, "no patched kernel build under ~/.cache/otherworld/kernel-src: skipped");
        KernelTypes types = new KernelTypes(Btf.parse(btfSection(v)));

        // 0001: crash_saved through task_struct.thread.fpu
        StructType task = types.struct("task_struct");
        long saved = task.member(FpuProvenance.CRASH_SAVED).offset();
        ByteMemory taskMem = new ByteMemory(BASE, (int) task.size()).u32(BASE + saved, 1);
        assertEquals(1, FpuProvenance.crashSaved(types.object(taskMem, "task_struct", BASE)));

        // 0002: policy and count in mm_struct
        StructType mm = types.struct("mm_struct");
        ByteMemory mmMem = new ByteMemory(0xa00, (int) mm.size() + 0x100)
                .u32(0xaaa + mm.member("otherworld_policy").offset(), 1)
                .u32(0xaaa + mm.member("otherworld_nr_procedures").offset(), 4);
        Registration r = MmRegistrationSource.of(types, mmMem).lookup(Models.simple(77, 1, 77, "x")).registration();
        assertEquals(Policy.RESURRECT_WITH_PROCEDURE, r.policy());
        assertEquals(4, r.procedures());

        // 0003: struct otherworld_crash_info, 320 bytes as VMCOREINFO SIZE() says
        StructType ci = types.struct(CrashInfo.SYMBOL);
        assertEquals(320, ci.size());
        ByteMemory m = new ByteMemory(BASE, 320).u32(BASE + ci.member("magic").offset(), CrashInfo.MAGIC)
                .u32(BASE + ci.member("version").offset(), 1).u32(BASE + ci.member("cpu").offset(), 1)
                .u32(BASE + ci.member("pid").offset(), 300).u32(BASE + ci.member("tgid").offset(), 300)
                .u8(BASE + ci.member("has_msg").offset(), 1).str(BASE + ci.member("comm").offset(), "owtest")
                .str(BASE + ci.member("msg").offset(), "sysrq triggered crash");
        CrashInfo.Lookup l = CrashInfo.read(types, m, OptionalLong.of(BASE), OptionalLong.of(320));
        assertEquals("recorded", l.status());
        assertEquals("sysrq triggered crash", l.info().message());
        CrashContext c = CrashContext.decide(l, -1, List.of());
        assertEquals(Set.of(300), c.faultyTids());
        assertTrue(c.rule().contains("owtest"), c.rule());
    }
}
