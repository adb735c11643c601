package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfBuilder;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.testing.ByteMemory;

/** The registration in mm_struct (patch 0002) through a synthetic BTF, and its absence on a stock kernel. */
class MmRegistrationSourceTest {
    /** Models.process puts every mm at 0xaaa. */
    static final long MM = 0xaaa;

    /** struct mm_struct { void *pgd; [u32 otherworld_policy; u32 otherworld_nr_procedures;] long total_vm; }. */
    static KernelTypes types(boolean patched) {
        BtfBuilder b = new BtfBuilder();
        int u32 = b.typedef("u32", b.intType("unsigned int", 4, 0));
        int ulong = b.intType("long unsigned int", 8, 0);
        BtfBuilder.Composite mm = b.struct("mm_struct", patched ? 24 : 16).member("pgd", b.ptr(0), 0);
        if (patched) {
            mm.member("otherworld_policy", u32, 64).member("otherworld_nr_procedures", u32, 96)
                    .member("total_vm", ulong, 128);
        } else {
            mm.member("total_vm", ulong, 64);
        }
        return new KernelTypes(Btf.parse(b.build()));
    }

    static ProcessModel proc(int pid) {
        return Models.simple(pid, 1, pid, "app");
    }

    @Test
    void stockKernelHasNoKernelSource() {
        KernelRegistrationSource s = MmRegistrationSource.of(types(false), new ByteMemory(0xa00, 0x200));
        assertSame(KernelRegistrationSource.NONE, s);
        assertFalse(s.available());
        assertFalse(s.lookup(proc(5)).known());
    }

    @Test
    void readsPolicyAndCountByMemberName() {
        ByteMemory mem = new ByteMemory(0xa00, 0x200).u32(MM + 8, 3).u32(MM + 12, 7).u64(MM + 16, 99);
        KernelRegistrationSource s = MmRegistrationSource.of(types(true), mem);
        assertTrue(s.available());
        KernelRegistrationSource.Answer a = s.lookup(proc(42));
        assertTrue(a.known());
        Registration r = a.registration();
        assertEquals(Policy.RESURRECT_EVEN_IF_PARTIAL, r.policy());
        assertEquals(7, r.procedures());
        assertEquals(42, r.pid());
        assertEquals(42, r.startTime(), "Models start time ticks = pid");
        assertEquals("kernel", r.sourceKind());
    }

    @Test
    void policyZeroIsKnownUnregistered() {
        KernelRegistrationSource s = MmRegistrationSource.of(types(true), new ByteMemory(0xa00, 0x200));
        KernelRegistrationSource.Answer a = s.lookup(proc(42));
        assertTrue(a.known());
        assertNull(a.registration());
    }

    @Test
    void invalidPolicyOrUnreadableMmIsUnusableWithAReason() {
        KernelRegistrationSource s = MmRegistrationSource.of(types(true), new ByteMemory(0xa00, 0x200).u32(MM + 8, 9));
        KernelRegistrationSource.Answer a = s.lookup(proc(42));
        assertFalse(a.known());
        assertTrue(a.error().contains("otherworld_policy 9"), a.error());

        s = MmRegistrationSource.of(types(true), new ByteMemory(0x5000, 0x10));
        a = s.lookup(proc(43));
        assertFalse(a.known());
        assertTrue(a.error().contains("unreadable"), a.error());
    }

    @Test
    void kernelSourceDrivesThePlanner() {
        ByteMemory mem = new ByteMemory(0xa00, 0x200).u32(MM + 8, 2); // NEVER_RESURRECT
        Registrations regs = Registrations.load(null, MmRegistrationSource.of(types(true), mem));
        assertTrue(regs.kernelSource());
        Planner.Result r = new Planner(SystemPolicy.parse("", "t"), regs, v -> "ext4", Planner.Config.defaults())
                .plan(java.util.List.of(proc(300)), java.util.Set.of());
        ProcessPlan p = r.process(300).orElseThrow();
        assertFalse(p.resurrect());
        assertEquals("opted out (NEVER_RESURRECT)", p.reason());
        assertEquals("kernel", p.registration().sourceKind());
    }
}
