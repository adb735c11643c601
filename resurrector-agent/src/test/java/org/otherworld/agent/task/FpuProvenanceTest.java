package org.otherworld.agent.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfBuilder;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/** FPU provenance: the decision table and fpu.crash_saved (patch 0001) read by member name. */
class FpuProvenanceTest {
    static final long TASK = 0xffff888000200000L;

    /** task_struct { thread_struct thread { fpu fpu { last_cpu; [crash_saved;] fpstate* } } } */
    static KernelTypes types(boolean patched) {
        BtfBuilder b = new BtfBuilder();
        int uint = b.intType("unsigned int", 4, 0);
        int ulong = b.intType("long unsigned int", 8, 0);
        BtfBuilder.Composite fpu = b.struct("fpu", 16).member("last_cpu", uint, 0);
        if (patched) {
            fpu.member("crash_saved", uint, 32);
        }
        fpu.member("fpstate", b.ptr(0), 64);
        int thread = b.struct("thread_struct", 24).member("sp", ulong, 0).member("fpu", fpu.id(), 64).id();
        b.struct("task_struct", 32).member("flags", uint, 0).member("thread", thread, 64);
        return new KernelTypes(Btf.parse(b.build()));
    }

    static VirtualMemory mem(int crashSaved) {
        byte[] bytes = new byte[64];
        LittleEndian.putU32(bytes, 8 + 8 + 4, crashSaved); // thread at 8, fpu at +8, crash_saved at +4
        return (va, dst, off, len) -> {
            long rel = va - TASK;
            if (rel < 0 || rel + len > bytes.length) {
                throw new MemoryAccessException(va, "not mapped");
            }
            System.arraycopy(bytes, (int) rel, dst, off, len);
        };
    }

    @Test
    void decisionTable() {
        assertEquals(FpuProvenance.EXACT, FpuProvenance.decide(false, false, null));
        assertEquals(FpuProvenance.EXACT, FpuProvenance.decide(true, true, null), "TIF_NEED_FPU_LOAD: memory copy");
        assertEquals(FpuProvenance.APPROXIMATE, FpuProvenance.decide(true, false, null), "stock kernel");
        assertEquals(FpuProvenance.APPROXIMATE, FpuProvenance.decide(true, false, 0), "patched, save did not run");
        assertEquals(FpuProvenance.SAVED_AT_CRASH, FpuProvenance.decide(true, true, 1));
        assertEquals(FpuProvenance.EXACT, FpuProvenance.decide(false, false, 0));
        assertEquals("saved_at_crash", FpuProvenance.SAVED_AT_CRASH.json());
    }

    @Test
    void crashSavedIsReadWhenTheMemberExists() {
        KObject patched = types(true).object(mem(1), "task_struct", TASK);
        assertEquals(1, FpuProvenance.crashSaved(patched));
        assertEquals(0, FpuProvenance.crashSaved(types(true).object(mem(0), "task_struct", TASK)));
        KObject stock = types(false).object(mem(1), "task_struct", TASK);
        assertNull(FpuProvenance.crashSaved(stock), "stock kernel: no member, whatever the bytes");
        // member present but the task unreadable: counts as not saved
        assertEquals(0, FpuProvenance.crashSaved(types(true).object(mem(1), "task_struct", TASK + 4096)));
    }
}
