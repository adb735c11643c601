package org.otherworld.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.testing.ByteMemory;

class ListWalkerTest {
    static final long BASE = 0xffff888000200000L;
    static final long HEAD = BASE + 0x10;            // a standalone list_head (like init_task.tasks)
    static final long HHEAD = BASE + 0x40;           // a standalone hlist_head
    static final long[] TASKS = {BASE + 0x100, BASE + 0x200, BASE + 0x300};
    static final long TASKS_OFF = 48;
    static final long PID_LINK_OFF = 168;

    private final KernelTypes types = MiniKernel.types();
    private ByteMemory mem;
    private ListWalker walker;

    @BeforeEach
    void setUp() {
        mem = new ByteMemory(BASE, 0x1000);
        walker = new ListWalker(types, mem);
        // circular list HEAD -> t0 -> t1 -> t2 -> HEAD
        long[] nodes = {HEAD, TASKS[0] + TASKS_OFF, TASKS[1] + TASKS_OFF, TASKS[2] + TASKS_OFF};
        for (int i = 0; i < nodes.length; i++) {
            mem.u64(nodes[i], nodes[(i + 1) % nodes.length]);
            mem.u64(nodes[i] + 8, nodes[(i + nodes.length - 1) % nodes.length]);
        }
        for (int i = 0; i < TASKS.length; i++) {
            mem.u32(TASKS[i] + 8, 100 + i);
        }
    }

    private static List<Long> pids(ListWalk w) {
        return w.entries().stream().map(o -> o.read("pid")).toList();
    }

    @Test
    void walksCircularList() {
        ListWalk w = walker.walk(HEAD, "task_struct", "tasks", 100);
        assertTrue(w.complete(), w.error());
        assertEquals(List.of(100L, 101L, 102L), pids(w));
        assertEquals(TASKS[1], w.entries().get(1).address());
    }

    @Test
    void emptyList() {
        mem.u64(HEAD, HEAD).u64(HEAD + 8, HEAD);
        ListWalk w = walker.walk(HEAD, "task_struct", "tasks", 100);
        assertTrue(w.complete());
        assertTrue(w.entries().isEmpty());
    }

    @Test
    void detectsCycleNotThroughHead() {
        mem.u64(TASKS[2] + TASKS_OFF, TASKS[0] + TASKS_OFF); // t2.next -> t0
        ListWalk w = walker.walk(HEAD, "task_struct", "tasks", 100);
        assertFalse(w.complete());
        assertTrue(w.error().contains("cycle at 0x" + Long.toHexString(TASKS[0] + TASKS_OFF)), w.error());
        assertEquals(3, w.entries().size());
    }

    @Test
    void detectsBrokenPrev() {
        mem.u64(TASKS[1] + TASKS_OFF + 8, 0xffff888000999000L);
        ListWalk w = walker.walk(HEAD, "task_struct", "tasks", 100);
        assertFalse(w.complete());
        assertTrue(w.error().contains("list corrupt at 0x" + Long.toHexString(TASKS[1] + TASKS_OFF)), w.error());
        assertEquals(List.of(100L), pids(w));
    }

    @Test
    void boundedByMaxEntries() {
        ListWalk w = walker.walk(HEAD, "task_struct", "tasks", 2);
        assertFalse(w.complete());
        assertTrue(w.error().contains("more than 2 entries"), w.error());
        assertEquals(2, w.entries().size());
    }

    @Test
    void unreadableAndNullAndMisalignedNext() {
        mem.u64(TASKS[1] + TASKS_OFF, 0xffff888077770000L); // unmapped
        ListWalk w = walker.walk(HEAD, "task_struct", "tasks", 100);
        assertFalse(w.complete());
        assertTrue(w.error().contains("unreadable") && w.error().contains("ffff888077770000"), w.error());
        assertEquals(2, w.entries().size());

        mem.u64(TASKS[1] + TASKS_OFF, 0);
        w = walker.walk(HEAD, "task_struct", "tasks", 100);
        assertTrue(w.error().contains("NULL"), w.error());

        mem.u64(TASKS[1] + TASKS_OFF, TASKS[2] + TASKS_OFF + 3);
        w = walker.walk(HEAD, "task_struct", "tasks", 100);
        assertTrue(w.error().contains("misaligned"), w.error());
    }

    @Test
    void rejectsNonListMember() {
        assertThrows(KernelTypeException.class, () -> walker.walk(HEAD, "task_struct", "thread", 10));
        assertThrows(KernelTypeException.class, () -> walker.walkHlist(HHEAD, "task_struct", "tasks", 10));
    }

    private void buildHlist() {
        long n0 = TASKS[0] + PID_LINK_OFF, n1 = TASKS[2] + PID_LINK_OFF;
        mem.u64(HHEAD, n0);
        mem.u64(n0, n1).u64(n0 + 8, HHEAD);
        mem.u64(n1, 0).u64(n1 + 8, n0);
    }

    @Test
    void walksHlist() {
        buildHlist();
        ListWalk w = walker.walkHlist(HHEAD, "task_struct", "pid_link", 10);
        assertTrue(w.complete(), w.error());
        assertEquals(List.of(100L, 102L), pids(w));
    }

    @Test
    void hlistCorruptionReported() {
        buildHlist();
        long n1 = TASKS[2] + PID_LINK_OFF;
        mem.u64(n1 + 8, HHEAD);
        ListWalk w = walker.walkHlist(HHEAD, "task_struct", "pid_link", 10);
        assertFalse(w.complete());
        assertTrue(w.error().contains("list corrupt at 0x" + Long.toHexString(n1)), w.error());
        assertEquals(1, w.entries().size());

        buildHlist();
        mem.u64(n1, TASKS[0] + PID_LINK_OFF); // n1.next -> n0: a cycle
        w = walker.walkHlist(HHEAD, "task_struct", "pid_link", 10);
        assertFalse(w.complete());
        assertTrue(w.error().contains("cycle"), w.error());
    }
}
