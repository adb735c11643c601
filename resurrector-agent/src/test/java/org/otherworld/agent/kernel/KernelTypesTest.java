package org.otherworld.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.otherworld.agent.btf.BtfKind;
import org.junit.jupiter.api.Test;

class KernelTypesTest {
    private final KernelTypes types = MiniKernel.types();

    @Test
    void structLookupAndSizes() {
        StructType task = types.struct("task_struct");
        assertEquals("task_struct", task.name());
        assertEquals(216, task.size());
        assertSame(task, types.struct("task_struct"));
        assertSame(task, types.struct("task_t"));
        assertTrue(types.struct("u_test").isUnion());
        assertEquals(216, types.sizeOf("task_struct"));
        assertEquals(4, types.sizeOf("pid_t"));
        assertEquals(8, types.sizeOf("long unsigned int"));
        assertEquals(16, types.sizeOf("list_head"));
        UnknownTypeException e = assertThrows(UnknownTypeException.class, () -> types.struct("nosuch_struct"));
        assertTrue(e.getMessage().contains("nosuch_struct"), e.getMessage());
        assertThrows(UnknownTypeException.class, () -> types.sizeOf("nosuch_t"));
    }

    @Test
    void memberOffsetsThroughNestingAnonymousAndArrays() {
        StructType task = types.struct("task_struct");
        assertEquals(8, task.member("pid").offset());
        assertEquals(4, task.member("pid").size());
        assertTrue(task.member("pid").isSigned());
        assertEquals(BtfKind.INT, task.member("pid").kind());
        assertEquals(72, task.member("thread.fsbase").offset());
        assertEquals(80, task.member("thread.es").offset());
        assertEquals(16, task.member("flags").offset()); // inside the anonymous union
        Member lo = task.member("lo"); // anonymous struct inside anonymous union
        assertEquals(128, lo.bitOffset());
        assertEquals(3, lo.bitSize());
        assertTrue(lo.isBitfield());
        Member hi = task.member("hi");
        assertEquals(159, hi.bitOffset());
        assertEquals(19, hi.offset());
        assertEquals(104 + 3 * 8, task.member("slots[3]").offset());
        assertEquals(8, task.member("slots[3]").size());
        assertEquals(184 + 8 + 4, task.member("pairs[1].b").offset());
        assertEquals(32, task.member("slots").size());
        assertEquals(4, task.member("slots").arrayLength());
        assertEquals(16, task.member("comm").size());
        assertEquals(48 + 8, task.member("tasks.prev").offset());
        assertEquals("mm_struct", task.member("mm").pointeeStruct().name());
        assertEquals(null, task.member("priv").pointeeStruct());
        assertEquals("struct mm_struct *", task.member("mm").typeName());
        Member old = types.struct("old_style").member("v");
        assertEquals(35, old.bitOffset());
        assertEquals(5, old.bitSize());
    }

    @Test
    void membersAreCached() {
        StructType task = types.struct("task_struct");
        assertSame(task.member("thread.fsbase"), task.member("thread.fsbase"));
        assertSame(task.member("thread"), task.member("thread"));
    }

    @Test
    void unknownMembersNameStructAndPath() {
        StructType task = types.struct("task_struct");
        UnknownMemberException e = assertThrows(UnknownMemberException.class, () -> task.member("nosuch"));
        assertTrue(e.getMessage().contains("struct task_struct") && e.getMessage().contains("nosuch"), e.getMessage());
        e = assertThrows(UnknownMemberException.class, () -> task.member("thread.nosuch"));
        assertTrue(e.getMessage().contains("thread.nosuch") && e.getMessage().contains("thread_struct"), e.getMessage());
        assertThrows(UnknownMemberException.class, () -> task.member("comm.x"));
        assertThrows(UnknownMemberException.class, () -> task.member("slots[4]"));
        assertThrows(UnknownMemberException.class, () -> task.member("slots[x]"));
        assertThrows(UnknownMemberException.class, () -> task.member("pid[0]"));
        assertThrows(UnknownMemberException.class, () -> task.member("thread."));
        assertThrows(UnknownMemberException.class, () -> task.member(""));
    }

    @Test
    void featureDetection() {
        assertTrue(types.hasMember("task_struct", "thread.fsbase"));
        assertTrue(types.hasMember("task_struct", "in_iowait"));
        assertFalse(types.hasMember("task_struct", "thread.gsbase"));
        assertFalse(types.hasMember("no_such_struct", "x"));
        // a no is remembered, and member() still throws the full error for it afterwards
        assertFalse(types.hasMember("task_struct", "thread.gsbase"));
        UnknownMemberException e = assertThrows(UnknownMemberException.class,
                () -> types.struct("task_struct").member("thread.gsbase"));
        assertTrue(e.getMessage().contains("gsbase") && e.getMessage().contains("thread_struct"), e.getMessage());
        assertTrue(types.hasMember("task_struct", "thread.fsbase"));
        assertTrue(types.hasStruct("mm_struct"));
        assertFalse(types.hasStruct("maple_tree"));
    }

    @Test
    void enumConstants() {
        assertEquals(4, types.enumValue("pid_type", "PIDTYPE_MAX"));
        assertEquals(-1, types.enumValue("pid_type", "PIDTYPE_BAD"));
        assertEquals(1, types.enumValue(null, "PIDTYPE_TGID"));
        assertEquals(16, types.enumValue(null, "TASK_COMM_LEN"));
        assertEquals(1L << 40, types.enumValue(null, "BIG"));
        assertEquals(1L << 40, types.enumValue("big_enum", "BIG"));
        assertTrue(types.hasEnumValue("PIDTYPE_PID"));
        UnknownTypeException e = assertThrows(UnknownTypeException.class, () -> types.enumValue("pid_type", "PIDTYPE_SID"));
        assertTrue(e.getMessage().contains("PIDTYPE_SID") && e.getMessage().contains("pid_type"), e.getMessage());
        assertThrows(UnknownTypeException.class, () -> types.enumValue(null, "NOPE"));
        assertThrows(UnknownTypeException.class, () -> types.enumValue("nope_enum", "X"));
    }
}
