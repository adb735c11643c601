package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfBuilder;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.testing.ByteMemory;
import org.otherworld.agent.vmcore.CpuState;

/** struct otherworld_crash_info (patch 0003) through a synthetic BTF and memory; the faulty rule on it. */
class CrashInfoTest {
    static final long ADDR = 0xffffffff82a00000L;
    static final long TASK = 0xffff888004a1c000L;

    /** The patch's layout (320 bytes): magic version cpu pid tgid, 7 flags + reserved[5], ip, task, comm, msg. */
    static KernelTypes types(boolean patched) {
        BtfBuilder b = new BtfBuilder();
        int tInt = b.intType("int", 4, BtfBuilder.SIGNED);
        int u32 = b.typedef("u32", b.intType("unsigned int", 4, 0));
        int s32 = b.typedef("s32", tInt);
        int pid = b.typedef("pid_t", tInt);
        int u8 = b.typedef("u8", b.intType("unsigned char", 1, 0));
        int ulong = b.intType("long unsigned int", 8, 0);
        int chr = b.intType("char", 1, BtfBuilder.SIGNED | BtfBuilder.CHAR);
        int task = b.struct("task_struct", 8).member("pid", pid, 0).id();
        if (patched) {
            BtfBuilder.Composite c = b.struct("otherworld_crash_info", 320).member("magic", u32, 0)
                    .member("version", u32, 32).member("cpu", s32, 64).member("pid", pid, 96).member("tgid", pid, 128);
            String[] flags = {"has_regs", "in_user", "in_nmi", "in_hardirq", "in_softirq", "kthread", "has_msg"};
            for (int i = 0; i < flags.length; i++) {
                c.member(flags[i], u8, 160 + 8 * i);
            }
            c.member("reserved", b.array(u8, tInt, 5), 216).member("ip", ulong, 256).member("task", b.ptr(task), 320)
                    .member("comm", b.array(chr, tInt, 16), 384).member("msg", b.array(chr, tInt, 256), 512);
        }
        return new KernelTypes(Btf.parse(b.build()));
    }

    /** A recorded crash: cpu 1, pid 812 / tgid 800 "owtest", in task context, kernel mode, with a message. */
    static ByteMemory recorded() {
        return new ByteMemory(ADDR, 320).u32(ADDR, CrashInfo.MAGIC).u32(ADDR + 4, 1).u32(ADDR + 8, 1)
                .u32(ADDR + 12, 812).u32(ADDR + 16, 800).u8(ADDR + 26, 1).u64(ADDR + 40, TASK)
                .str(ADDR + 48, "owtest").str(ADDR + 64, "sysrq triggered crash");
    }

    static CrashInfo.Lookup read(KernelTypes t, ByteMemory m) {
        return CrashInfo.read(t, m, OptionalLong.of(ADDR), OptionalLong.of(320));
    }

    static List<CpuState> notes(int... cpuPid) {
        List<CpuState> out = new java.util.ArrayList<>();
        for (int i = 0; i < cpuPid.length; i += 2) {
            out.add(new CpuState(cpuPid[i], cpuPid[i + 1], new long[CpuState.Register.values().length]));
        }
        return out;
    }

    @Test
    void readsEveryFieldByName() {
        CrashInfo.Lookup l = read(types(true), recorded().u8(ADDR + 20, 1).u64(ADDR + 32, 0xffffffff81234567L));
        assertEquals("recorded", l.status());
        CrashInfo ci = l.info();
        assertEquals(1, ci.cpu());
        assertEquals(812, ci.pid());
        assertEquals(800, ci.tgid());
        assertEquals("owtest", ci.comm());
        assertEquals("sysrq triggered crash", ci.message());
        assertEquals(TASK, ci.task());
        assertTrue(ci.hasRegs());
        assertFalse(ci.crashedInUser());
        assertEquals(0xffffffff81234567L, ci.ip());
        assertEquals("task", ci.context());
        assertFalse(ci.kthread());
    }

    @Test
    void stockKernelIsAbsentAndMagicOrVersionMismatchIsReported() {
        assertEquals("absent", CrashInfo.read(types(false), recorded(), OptionalLong.empty(), OptionalLong.empty())
                .status());
        assertEquals("not recorded (magic 0x0)", read(types(true), recorded().u32(ADDR, 0)).status());
        CrashInfo.Lookup v2 = read(types(true), recorded().u32(ADDR + 4, 2));
        assertNull(v2.info());
        assertTrue(v2.status().contains("version 2"), v2.status());
        CrashInfo.Lookup size = CrashInfo.read(types(true), recorded(), OptionalLong.of(ADDR), OptionalLong.of(328));
        assertTrue(size.status().contains("SIZE(otherworld_crash_info)=328"), size.status());
        CrashInfo.Lookup unmapped = CrashInfo.read(types(true), recorded(), OptionalLong.of(ADDR + 0x1000),
                OptionalLong.empty());
        assertTrue(unmapped.status().startsWith("unusable: "), unmapped.status());
        assertTrue(read(types(true), recorded().u32(ADDR + 8, -1)).status().contains("cpu -1"));
    }

    @Test
    void noMessageWithoutHasMsg() {
        assertNull(read(types(true), recorded().u8(ADDR + 26, 0)).info().message());
    }

    @Test
    void taskContextInKernelModeIsFaulty() {
        CrashContext c = CrashContext.decide(read(types(true), recorded()), 0, notes(0, 5, 1, 812));
        assertEquals("crash_info", c.source());
        assertEquals(1, c.panicCpu(), "the recorded CPU wins over panic_cpu");
        assertEquals(Set.of(812), c.faultyTids());
        assertEquals("sysrq triggered crash", c.panicMessage());
        assertEquals("task", c.json().get("context"));
        assertEquals(false, c.json().get("in_user"));
    }

    @Test
    void interruptContextUserModeAndKernelThreadsAreNotFaulty() {
        for (long flag : new long[] {22, 23, 24}) { // in_nmi, in_hardirq, in_softirq
            CrashContext c = CrashContext.decide(read(types(true), recorded().u8(ADDR + flag, 1)), 1, notes(1, 812));
            assertEquals(Set.of(), c.faultyTids(), "flag at +" + flag);
            assertTrue(c.rule().contains("context"), c.rule());
        }
        // an NMI while the task ran user code: in_nmi and in_user
        CrashContext user = CrashContext.decide(read(types(true), recorded().u8(ADDR + 20, 1).u8(ADDR + 21, 1)), 1,
                notes(1, 812));
        assertEquals(Set.of(), user.faultyTids());
        assertEquals(true, user.json().get("in_user"));
        // in_user without has_regs is not trusted
        CrashContext noRegs = CrashContext.decide(read(types(true), recorded().u8(ADDR + 21, 1)), 1, notes(1, 812));
        assertEquals(Set.of(812), noRegs.faultyTids());
        CrashContext kthread = CrashContext.decide(read(types(true), recorded().u8(ADDR + 25, 1)), 1, notes(1, 812));
        assertEquals(Set.of(), kthread.faultyTids());
    }

    @Test
    void stockKernelUsesThePanicCpusNote() {
        CrashInfo.Lookup absent = CrashInfo.read(types(false), recorded(), OptionalLong.empty(), OptionalLong.empty());
        CrashContext c = CrashContext.decide(absent, 1, notes(0, 5, 1, 812));
        assertEquals("cpu_notes", c.source());
        assertEquals(Set.of(812), c.faultyTids());
        assertEquals("", c.panicMessage());
        assertEquals("absent", c.json().get("crash_info"));
        assertEquals(Set.of(), CrashContext.decide(absent, -1, notes(0, 5)).faultyTids());
        // a patched kernel that recorded nothing falls back the same way
        CrashContext none = CrashContext.decide(read(types(true), recorded().u32(ADDR, 0)), 0, notes(0, 5, 1, 812));
        assertEquals("cpu_notes", none.source());
        assertEquals(Set.of(5), none.faultyTids());
    }
}
