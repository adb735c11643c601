package org.otherworld.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.testing.ByteMemory;
import org.otherworld.agent.vmcore.MemoryAccessException;

class KObjectTest {
    static final long BASE = 0xffff888000100000L;
    static final long TASK = BASE + 0x100;
    static final long MM = BASE + 0x800;
    static final long BIG = 0x12_3456_789aL; // 40 bits

    private final KernelTypes types = MiniKernel.types();
    private ByteMemory mem;
    private KObject task;

    @BeforeEach
    void setUp() {
        mem = new ByteMemory(BASE, 0x1000);
        int flags = 5 | (29 << 3) | (1 << 31); // lo=5, sv=-3 (0b11101), hi=1
        long word = 1L | (0L << 1) | ((long) (-7 & 31) << 2) | (BIG << 11); // bits from 192
        mem.u64(TASK, -1L).u32(TASK + 8, -5).u16(TASK + 12, 0xbeef).u8(TASK + 14, 0xf0)
                .u32(TASK + 16, flags).u64(TASK + 24, word).str(TASK + 32, "bash")
                .u64(TASK + 64, 0x7ffc0000L).u64(TASK + 72, 0x7f0012345000L).u16(TASK + 80, 0x2b)
                .u64(TASK + 88, MM).u64(TASK + 96, MM)
                .u64(TASK + 104, 10).u64(TASK + 112, 11).u64(TASK + 120, 12).u64(TASK + 128, 13)
                .u32(TASK + 184, 1).u32(TASK + 188, 2).u32(TASK + 192, 3).u32(TASK + 196, -4)
                .u32(TASK + 200, 1).u32(TASK + 204, 7).u32(TASK + 208, -8);
        mem.u64(MM, 0x55550000L);
        task = types.object(mem, "task_struct", TASK);
    }

    @Test
    void integersBySizeAndSign() {
        assertEquals(-1L, task.s64("state"));
        assertEquals(-1L, task.read("state"));
        assertEquals(-5, task.s32("pid"));
        assertEquals(-5, task.read("pid"));
        assertEquals(0xfffffffbL, task.u32("pid"));
        assertEquals(0xbeef, task.u16("prio"));
        assertEquals(0xbeef, task.read("prio"));
        assertEquals(0xf0, task.u8("nr"));
        assertEquals(0xf0, task.read("nr"));
        assertEquals(0x7f0012345000L, task.u64("thread.fsbase"));
        assertEquals(0x2b, task.read("thread.es"));
        assertEquals(1, task.read("ptype"));
        assertEquals(13, task.u64("slots[3]"));
        assertEquals(-4, task.read("pairs[1].b"));
    }

    @Test
    void bitfieldsExtracted() {
        assertEquals(5 | (29 << 3) | 0x80000000L, task.u32("flags"));
        assertEquals(5, task.read("lo"));
        assertEquals(-3, task.read("sv"));
        assertEquals(1, task.read("hi"));
        assertEquals(1, task.read("in_execve"));
        assertEquals(0, task.read("in_iowait"));
        assertEquals(-7, task.read("nice"));
        assertEquals(BIG, task.read("big"));
        ByteMemory m2 = new ByteMemory(BASE, 64);
        m2.u32(BASE + 4, 0b10110 << 3 | 0b111);
        assertEquals(0b10110, types.object(m2, "old_style", BASE).read("v"));
    }

    @Test
    void wrongWidthOrKindIsRejected() {
        KernelTypeException e = assertThrows(KernelTypeException.class, () -> task.u64("pid"));
        assertTrue(e.getMessage().contains("task_struct.pid"), e.getMessage());
        assertThrows(KernelTypeException.class, () -> task.u32("lo"));
        assertThrows(KernelTypeException.class, () -> task.read("thread"));
        assertThrows(KernelTypeException.class, () -> task.pointer("pid"));
        assertThrows(KernelTypeException.class, () -> task.member("pid"));
        assertThrows(KernelTypeException.class, () -> task.cString("slots"));
        assertThrows(KernelTypeException.class, () -> task.addressOf("lo"));
        KObject thread = task.member("thread");
        Member foreign = types.struct("task_struct").member("pid");
        assertThrows(KernelTypeException.class, () -> thread.read(foreign));
    }

    @Test
    void pointersAndDeref() {
        assertEquals(MM, task.pointer("mm"));
        KObject mm = task.deref("mm");
        assertEquals("mm_struct", mm.type().name());
        assertEquals(0x55550000L, mm.u64("start_brk"));
        assertThrows(KernelTypeException.class, () -> task.deref("priv"));
        assertEquals(0x55550000L, task.deref("priv", "mm_struct").u64("start_brk"));
        mem.u64(TASK + 88, 0);
        assertNull(task.deref("mm"));
        mem.u64(TASK + 88, 0xdead0000L);
        KObject bad = task.deref("mm");
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> bad.u64("start_brk"));
        assertEquals(0xdead0000L, e.address());
    }

    @Test
    void embeddedArraysStringsAndBytes() {
        KObject thread = task.member("thread");
        assertEquals(TASK + 64, thread.address());
        assertEquals(0x7ffc0000L, thread.u64("sp"));
        assertEquals(TASK + 72, task.addressOf("thread.fsbase"));
        assertEquals("bash", task.cString("comm"));
        mem.str(TASK + 32, "0123456789abcdef"); // no NUL within the array
        assertEquals("0123456789abcdef", task.cString("comm"));
        assertEquals(3, task.element("pairs", 1).s32("a"));
        assertEquals(TASK + 192, task.element("pairs", 1).address());
        assertEquals(12, task.elementValue("slots", 2));
        assertEquals(-8, task.elementValue("vals", 1));
        assertThrows(KernelTypeException.class, () -> task.elementValue("slots", 4));
        assertThrows(KernelTypeException.class, () -> task.element("slots", 0));
        assertArrayEquals(new byte[] {7, 0, 0, 0, (byte) 0xf8, -1, -1, -1}, task.bytes("vals"));
        assertEquals(216, task.bytes().length);
    }

    @Test
    void containerOf() {
        KObject t = types.containerOf(mem, TASK + 48, "task_struct", "tasks");
        assertEquals(TASK, t.address());
        assertEquals(task, t);
        assertEquals(TASK, types.containerOf(mem, TASK + 72, "task_struct", "thread.fsbase").address());
        assertEquals("struct task_struct @ 0x" + Long.toHexString(TASK), t.toString());
    }

    @Test
    void cachedMemberReadsAreCheap() {
        Member fs = types.struct("task_struct").member("thread.fsbase");
        long t0 = System.nanoTime();
        long sum = 0;
        for (int i = 0; i < 200_000; i++) {
            sum += task.u64(fs);
            sum += task.read("pid");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200_000L * (0x7f0012345000L - 5), sum);
        assertTrue(ms < 2000, "400k member reads took " + ms + " ms");
    }
}
