package org.otherworld.agent.kernel;

import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfBuilder;

/**
 * A tiny kernel-like type universe built with {@link BtfBuilder}. Layout of struct task_struct
 * (216 bytes, kind_flag set):
 * <pre>
 *   0 const volatile long state        8 pid_t pid (typedef chain to int)   12 u16 prio   14 u8 nr
 *  16 anonymous union { u32 flags; struct { unsigned lo:3; int sv:5; ... unsigned hi:1 (bit 31) }; }
 *  24 unsigned in_execve:1 (bit 192), in_iowait:1 (193), int nice:5 (194), unsigned long big:40 (203)
 *  32 char comm[16]    48 struct list_head tasks    64 struct thread_struct thread {sp, fsbase, u16 es}
 *  88 struct mm_struct *mm   96 void *priv   104 unsigned long slots[4]   136 list_head children
 * 152 list_head sibling   168 hlist_node pid_link   184 struct pair {int a, b} pairs[2]
 * 200 enum pid_type ptype   204 int vals[2]
 * </pre>
 * plus struct old_style { u32 word; unsigned v (INT offset 3, 5 bits) at bit 32 } without kind_flag.
 */
final class MiniKernel {
    private MiniKernel() {
    }

    static Btf btf() {
        BtfBuilder b = new BtfBuilder();
        int tInt = b.intType("int", 4, BtfBuilder.SIGNED);
        int tUint = b.intType("unsigned int", 4, 0);
        int tLong = b.intType("long", 8, BtfBuilder.SIGNED);
        int tUlong = b.intType("long unsigned int", 8, 0);
        int tU16 = b.intType("short unsigned int", 2, 0);
        int tU8 = b.intType("unsigned char", 1, 0);
        int tChar = b.intType("char", 1, BtfBuilder.SIGNED | BtfBuilder.CHAR);
        int u32 = b.typedef("u32", tUint);
        int kpid = b.typedef("__kernel_pid_t", tInt);
        int pid = b.typedef("pid_t", kpid);

        BtfBuilder.Composite listHead = b.struct("list_head", 16);
        int lhp = b.ptr(listHead.id());
        listHead.member("next", lhp, 0).member("prev", lhp, 64);
        BtfBuilder.Composite hnode = b.struct("hlist_node", 16);
        int hnp = b.ptr(hnode.id());
        int hnpp = b.ptr(hnp);
        hnode.member("next", hnp, 0).member("pprev", hnpp, 64);
        b.struct("hlist_head", 8).member("first", hnp, 0);

        int thread = b.struct("thread_struct", 24).member("sp", tUlong, 0).member("fsbase", tUlong, 64)
                .member("es", tU16, 128).id();
        int pair = b.struct("pair", 8).member("a", tInt, 0).member("b", tInt, 32).id();
        int mm = b.struct("mm_struct", 8).member("start_brk", tUlong, 0).id();
        int mmp = b.ptr(mm);
        int voidp = b.ptr(0);

        int bits = b.struct(null, 4).bitfield("lo", tUint, 0, 3).bitfield("sv", tInt, 3, 5)
                .bitfield("hi", tUint, 31, 1).id();
        int anonUnion = b.union(null, 8).member("flags", u32, 0).member("", bits, 0).id();

        int pidType = b.enumType("pid_type", 4, true).value("PIDTYPE_PID", 0).value("PIDTYPE_TGID", 1)
                .value("PIDTYPE_MAX", 4).value("PIDTYPE_BAD", -1).id();
        b.enumType(null, 4, false).value("TASK_COMM_LEN", 16);
        b.enum64("big_enum", 8, false).value("BIG", 1L << 40);

        int state = b.constOf(b.volatileOf(tLong));
        BtfBuilder.Composite task = b.struct("task_struct", 216);
        task.member("state", state, 0).member("pid", pid, 64).member("prio", tU16, 96).member("nr", tU8, 112)
                .member("", anonUnion, 128)
                .bitfield("in_execve", tUint, 192, 1).bitfield("in_iowait", tUint, 193, 1)
                .bitfield("nice", tInt, 194, 5).bitfield("big", tUlong, 203, 40)
                .member("comm", b.array(tChar, tInt, 16), 256)
                .member("tasks", listHead.id(), 384)
                .member("thread", thread, 512)
                .member("mm", mmp, 704)
                .member("priv", voidp, 768)
                .member("slots", b.array(tUlong, tInt, 4), 832)
                .member("children", listHead.id(), 1088)
                .member("sibling", listHead.id(), 1216)
                .member("pid_link", hnode.id(), 1344)
                .member("pairs", b.array(pair, tInt, 2), 1472)
                .member("ptype", pidType, 1600)
                .member("vals", b.array(tInt, tInt, 2), 1632);
        b.typedef("task_t", task.id());

        int oldBits = b.intType("unsigned int", 4, 0, 3, 5);
        b.struct("old_style", 8).member("word", tUint, 0).member("v", oldBits, 32);
        b.union("u_test", 8).member("x", tLong, 0).member("y", tInt, 0);
        return Btf.parse(b.build());
    }

    static KernelTypes types() {
        return new KernelTypes(btf());
    }
}
