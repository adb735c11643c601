package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.testing.ByteMemory;
import org.otherworld.agent.testing.KernelBuildBtf;
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

    @Test
    void readersFindThePatchMembersInTheRealBtf() throws IOException {
        Path v = KernelBuildBtf.vmlinux();
        Assumptions.assumeTrue(v != null, "no patched kernel build under ~/.cache/otherworld/kernel-src: skipped");
        KernelTypes types = new KernelTypes(Btf.parse(KernelBuildBtf.btfSection(v)));

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
