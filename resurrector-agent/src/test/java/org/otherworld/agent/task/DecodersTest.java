package org.otherworld.agent.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.vmcore.LittleEndian;

/** The small decoders of the process model on synthetic values. */
class DecodersTest {
    @Test
    void vmaFlagsToProcPerms() {
        assertEquals("r--p", VmaFlags.perms(VmaFlags.VM_READ | VmaFlags.VM_MAYREAD | VmaFlags.VM_MAYWRITE));
        assertEquals("rw-p", VmaFlags.perms(0x100073)); // a typical private data mapping
        assertEquals("r-xp", VmaFlags.perms(VmaFlags.VM_READ | VmaFlags.VM_EXEC | VmaFlags.VM_MAYEXEC));
        // 's' comes from VM_MAYSHARE: a read-only shared mapping has VM_MAYSHARE but no VM_SHARED
        assertEquals("r--s", VmaFlags.perms(VmaFlags.VM_READ | VmaFlags.VM_MAYSHARE));
        assertEquals("rw-s", VmaFlags.perms(VmaFlags.VM_READ | VmaFlags.VM_WRITE | VmaFlags.VM_SHARED | VmaFlags.VM_MAYSHARE));
        assertEquals("---p", VmaFlags.perms(VmaFlags.VM_SHARED)); // VM_SHARED alone does not make it 's'
        assertEquals(List.of("read", "growsdown", "pfnmap", "io"),
                VmaFlags.names(VmaFlags.VM_READ | VmaFlags.VM_GROWSDOWN | VmaFlags.VM_PFNMAP | VmaFlags.VM_IO));
        assertEquals(List.of("0x800"), VmaFlags.names(0x800));
    }

    @Test
    void vmaOffsetAndLabel() {
        Vma file = new Vma(1, 0x400000, 0x401000, 0x75, 0x185, 0xffff888000001000L, "/bin/busybox", null, 2, 9);
        assertEquals(0x185000, file.offset());
        assertEquals("/bin/busybox", file.label());
        assertEquals("00:02", file.devString());
        Vma anon = new Vma(1, 0x7000, 0x9000, 0x73, 0x7, 0, null, "[heap]", 0, 0);
        assertEquals(0, anon.offset(), "anonymous VMAs show offset 0 whatever vm_pgoff holds");
        assertEquals("[heap]", anon.label());
        assertEquals("fe:00", new Vma(1, 0, 4096, 0, 0, 1, "/x", null, (0xfe << 20), 27).devString());
        assertEquals("", new Vma(1, 0, 4096, 0, 0, 0, null, null, 0, 0).label());
    }

    @Test
    void ptRegsSitAtTheTopOfTheKernelStack() {
        long stack = 0xffffc90000010000L;
        assertEquals(stack + 16384 - 168, PtRegs.locate(stack, 16384, 168, 0));
        assertEquals(stack + 32768 - 16 - 168, PtRegs.locate(stack, 32768, 168, 16));
    }

    static PtRegs regs(long origAx, long cs) {
        Map<String, Long> v = new LinkedHashMap<>();
        String[] names = {"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx", "si",
            "di", "orig_ax", "ip", "cs", "flags", "sp", "ss"};
        for (int i = 0; i < names.length; i++) {
            v.put(names[i], (long) i);
        }
        v.put("orig_ax", origAx);
        v.put("cs", cs);
        v.put("di", 0xffffffffL);
        v.put("si", 0x7fffefb2d85cL);
        v.put("sp", 0x7fffefb2d838L);
        v.put("ip", 0x460a63L);
        return new PtRegs(0x1000, v);
    }

    @Test
    void procSyscallLineInAndOutOfASyscall() {
        PtRegs in = regs(61, 0x33);
        assertEquals("61 0xffffffff 0x7fffefb2d85c 0xc 0x7 0x9 0x8 0x7fffefb2d838 0x460a63", in.procSyscall());
        assertTrue(in.userMode());
        PtRegs out = regs(-1, 0x10);
        assertEquals("-1 0x7fffefb2d838 0x460a63", out.procSyscall());
        assertFalse(out.userMode());
        assertThrows(IllegalArgumentException.class, () -> out.get("rip"));
    }

    @Test
    void xsaveHeader() {
        byte[] area = new byte[2696];
        LittleEndian.putU64(area, 512, 0x217);
        LittleEndian.putU64(area, 520, 0);
        XsaveHeader h = XsaveHeader.parse(area);
        assertEquals(0x217, h.xstateBv());
        assertFalse(h.compacted());
        assertTrue(h.plausible(area));
        LittleEndian.putU64(area, 520, 0x8000_0000_0000_021fL);
        h = XsaveHeader.parse(area);
        assertTrue(h.compacted());
        assertEquals(0x21f, h.compactedComponents());
        assertTrue(h.plausible(area));
        LittleEndian.putU64(area, 512, 0x400); // a component not in XCOMP_BV
        assertFalse(XsaveHeader.parse(area).plausible(area));
        area[512 + 20] = 1;
        assertFalse(XsaveHeader.parse(area).plausible(area));
        assertThrows(IllegalArgumentException.class, () -> XsaveHeader.parse(new byte[512]));
    }

    @Test
    void taskStateLetters() {
        assertEquals('R', TaskStates.letter(0, 0));
        assertEquals('S', TaskStates.letter(TaskStates.TASK_INTERRUPTIBLE, 0));
        assertEquals('D', TaskStates.letter(TaskStates.TASK_UNINTERRUPTIBLE, 0));
        assertEquals('T', TaskStates.letter(TaskStates.TASK_STOPPED, 0));
        assertEquals('t', TaskStates.letter(TaskStates.TASK_TRACED, 0));
        assertEquals('Z', TaskStates.letter(0, TaskStates.EXIT_ZOMBIE));
        assertEquals('X', TaskStates.letter(0, TaskStates.EXIT_DEAD));
        assertEquals('I', TaskStates.letter(TaskStates.TASK_IDLE, 0));
        assertEquals('D', TaskStates.letter(TaskStates.TASK_RTLOCK_WAIT, 0));
        assertEquals('P', TaskStates.letter(TaskStates.TASK_PARKED, 0));
        // TASK_STOPPED in 6.1 is TASK_WAKEKILL (0x100) | __TASK_STOPPED
        assertEquals('T', TaskStates.letter(0x104, 0));
    }

    @Test
    void signalSets() {
        assertEquals(List.of(1, 3, 64), SignalSet.signals(0x8000_0000_0000_0005L));
        assertTrue(SignalSet.signals(0).isEmpty());
        assertTrue(new SigAction(10, 0, 0, 0, 0).isDefault());
        assertFalse(new SigAction(10, SigAction.SIG_IGN, 0, 0, 0).isDefault());
        assertEquals("nofile", new Rlimit(7, 1024, 4096).name());
    }

    @Test
    void groundTruthComparisonNamesEachDifference() {
        Map<String, Object> gt = new LinkedHashMap<>();
        gt.put("pid", 5L);
        gt.put("comm", "sh");
        gt.put("vmas", List.of(Map.of("start", "0x1000"), Map.of("start", "0x2000")));
        Map<String, Object> vm = new LinkedHashMap<>(gt);
        assertTrue(GroundTruthCheck.compare(gt, vm, List.of("pid", "comm", "vmas")).isEmpty());
        vm.put("comm", "bash");
        vm.put("vmas", List.of(Map.of("start", "0x1000")));
        List<String> d = GroundTruthCheck.compare(gt, vm, List.of("pid", "comm", "vmas"));
        assertEquals(3, d.size(), d.toString());
        assertEquals("pid 5 comm: expected sh, found bash", d.get(0));
        assertEquals("pid 5 vmas: 2 expected, 1 found", d.get(1));
        assertTrue(d.get(2).startsWith("pid 5 vmas[1]: expected {start=0x2000}"), d.get(2));
    }
}
