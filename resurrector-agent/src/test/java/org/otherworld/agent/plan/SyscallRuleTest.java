package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.otherworld.agent.images.SyscallRestart;

class SyscallRuleTest {
    private static SyscallRestart decide(long origAx, long ax, long di, long si) {
        return SyscallRule.decide(origAx, ax, di, si, fd -> fd == 3).action();
    }

    @Test
    void userModeThreadsContinue() {
        assertEquals(SyscallRestart.NONE, decide(-1, 42, 0, 0));
        assertEquals(SyscallRestart.NONE, decide(~0x20L, 0, 0, 0)); // interrupt entry
    }

    @Test
    void completedCallKeepsItsResult() {
        assertEquals(SyscallRestart.NONE, decide(SyscallRule.READ, 17, 3, 0));
        assertEquals(SyscallRestart.NONE, decide(SyscallRule.NANOSLEEP, 0, 0, 0));
    }

    @Test
    void sleepsAndWaitsRestart() {
        for (int nr : new int[] {SyscallRule.NANOSLEEP, SyscallRule.CLOCK_NANOSLEEP, SyscallRule.PAUSE,
            SyscallRule.WAIT4, SyscallRule.WAITID}) {
            assertEquals(SyscallRestart.RESTART, decide(nr, SyscallRule.MINUS_ENOSYS, 0, 0), "nr " + nr);
        }
        assertEquals(SyscallRestart.RESTART, decide(SyscallRule.NANOSLEEP, SyscallRule.ERESTART_RESTARTBLOCK, 0, 0));
    }

    @Test
    void futexWaitRestartsOtherOpsAreInterrupted() {
        assertEquals(SyscallRestart.RESTART, decide(SyscallRule.FUTEX, -38, 0x7f00, 128)); // WAIT|PRIVATE
        assertEquals(SyscallRestart.RESTART, decide(SyscallRule.FUTEX, -38, 0x7f00, 9 | 128 | 256)); // WAIT_BITSET
        assertEquals(SyscallRestart.EINTR, decide(SyscallRule.FUTEX, -38, 0x7f00, 6)); // LOCK_PI
    }

    @Test
    void fileCallsRestartOnlyOnRestoredRegularFiles() {
        assertEquals(SyscallRestart.RESTART, decide(SyscallRule.WRITE, -38, 3, 0));
        assertEquals(SyscallRestart.RESTART, decide(SyscallRule.FSYNC, SyscallRule.ERESTARTSYS, 3, 0));
        assertEquals(SyscallRestart.EINTR, decide(SyscallRule.READ, -38, 0, 0)); // a pipe or terminal
        assertEquals(SyscallRestart.EINTR, decide(SyscallRule.READ, -38, 1L << 40 | 3, 0)); // not an int fd
    }

    @Test
    void filesystemNamespaceCallsRestart() {
        // the campaign's JVM in rename(2) at a soft lockup: EINTR made Files.move throw and the JVM exit
        SyscallRule.Decision d = SyscallRule.decide(82 /* rename */, -38, 0x7f00, 0x7f80, fd -> false);
        assertEquals(SyscallRestart.RESTART, d.action());
        assertEquals("rename restarted (filesystem call)", d.reason());
        assertEquals(SyscallRestart.RESTART, decide(257 /* openat */, SyscallRule.ERESTARTNOINTR, -100, 0x7f00));
        assertEquals(SyscallRestart.RESTART, decide(332 /* statx */, -38, -100, 0x7f00));
        assertEquals(SyscallRestart.RESTART, decide(5 /* fstat */, -38, 3, 0));
        assertEquals(SyscallRestart.EINTR, decide(5 /* fstat on a socket */, -38, 4, 0));
        assertEquals(SyscallRestart.NONE, decide(82, -2 /* ENOENT: completed */, 0x7f00, 0x7f80));
    }

    @Test
    void everythingElseGetsEintr() {
        assertEquals(SyscallRestart.EINTR, decide(7 /* poll */, -38, 0, 0));
        assertEquals(SyscallRestart.EINTR, decide(232 /* epoll_wait */, -38, 0, 0));
        SyscallRule.Decision d = SyscallRule.decide(43 /* accept */, -38, 5, 0, fd -> true);
        assertEquals(43, d.syscall());
        assertEquals(SyscallRestart.EINTR, d.action());
    }

    @Test
    void writerAppliesTheDecisionLikeTheKernel() {
        var r = org.otherworld.agent.images.X86Regs.of(0x401002, 0x7000).withAxIp(-38, 0x401002);
        var regs = new org.otherworld.agent.images.X86Regs(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -38, 0, 0, 0, 0, 35,
                0x401002, 0x33, 0x246, 0x7000, 0x2b, 0, 0, 0, 0, 0, 0);
        var restarted = SyscallRestart.RESTART.apply(regs);
        assertEquals(0x401000, restarted.ip());
        assertEquals(35, restarted.ax());
        assertEquals(-4, SyscallRestart.EINTR.apply(r).ax());
    }

    private static SyscallRule.Decision clone(int nr, long ax, SyscallRule.CloneChild... children) {
        return SyscallRule.decide(nr, ax, 0x1200011 /* glibc fork's flags */, 0, fd -> false, List.of(children));
    }

    @Test
    void cloneInFlightWithoutAChildRestarts() {
        for (int nr : new int[] {SyscallRule.CLONE, SyscallRule.FORK, SyscallRule.VFORK, SyscallRule.CLONE3}) {
            assertEquals(SyscallRestart.RESTART, clone(nr, SyscallRule.MINUS_ENOSYS).action(), "nr " + nr);
            assertEquals(SyscallRestart.RESTART, clone(nr, SyscallRule.ERESTARTNOINTR).action(), "nr " + nr);
        }
        // without the children lookup too (the overload used for calls that create nothing)
        assertEquals(SyscallRestart.RESTART, decide(SyscallRule.CLONE, -38, 0x1200011, 0));
    }

    @Test
    void cloneWithANeverRunChildRestartsAndNamesTheChild() {
        SyscallRule.Decision d = clone(SyscallRule.CLONE, -38, new SyscallRule.CloneChild(171, false));
        assertEquals(SyscallRestart.RESTART, d.action());
        assertTrue(d.reason().contains("171") && d.reason().contains("not restored"), d.reason());
        assertEquals(SyscallRestart.RESTART, clone(SyscallRule.CLONE3, -38,
                new SyscallRule.CloneChild(171, false)).action());
    }

    @Test
    void cloneWhoseChildHasRunReturnsTheChildsId() {
        SyscallRule.Decision d = clone(SyscallRule.VFORK, -38, new SyscallRule.CloneChild(180, true));
        assertEquals(SyscallRestart.RETURN, d.action());
        assertEquals(180, d.result());
        SyscallRule.Decision two = clone(SyscallRule.CLONE, -38, new SyscallRule.CloneChild(180, true),
                new SyscallRule.CloneChild(181, true));
        assertEquals(SyscallRestart.EINTR, two.action(), "two children that ran cannot be told apart");
    }

    @Test
    void completedCloneIsLeftAlone() {
        assertEquals(SyscallRestart.NONE, clone(SyscallRule.CLONE, 171).action()); // parent: the child's pid
        assertEquals(SyscallRestart.NONE, clone(SyscallRule.FORK, 0).action()); // the child's copy: ax = 0
        assertEquals(SyscallRestart.NONE, clone(SyscallRule.CLONE, -11 /* EAGAIN */,
                new SyscallRule.CloneChild(171, false)).action());
    }

    @Test
    void returnSetsAxAndKeepsIp() {
        var regs = new org.otherworld.agent.images.X86Regs(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -38, 0, 0, 0, 0, 58,
                0x401002, 0x33, 0x246, 0x7000, 0x2b, 0, 0, 0, 0, 0, 0);
        var r = SyscallRestart.RETURN.apply(regs, 180);
        assertEquals(180, r.ax());
        assertEquals(0x401002, r.ip());
        assertEquals(58, r.origAx());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> SyscallRestart.RETURN.apply(regs));
    }
}
