package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.images.SyscallRestart;
import org.otherworld.agent.images.ThreadImage;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.PtRegs;
import org.otherworld.agent.task.ThreadModel;

/** The planner's side of a clone in flight: which tasks the call created, and what is written for it. */
class CloneInFlightTest {
    private static final long FORK_FLAGS = 0x1200011; // CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD
    private static final long PARENT_STACK = 0xffffc90000000000L; // Models.regs puts pt_regs at +0x1000

    private static Planner.Result plan(ProcessModel... ps) {
        return new Planner(SystemPolicy.empty(), Registrations.none(),
                v -> "ext4", Planner.Config.defaults()).plan(List.of(ps), Set.of());
    }

    /** {@code t} with another state, registers, kernel stack and vfork_done. */
    private static ThreadModel with(ThreadModel t, long rawState, PtRegs regs, long stack, long vforkDone) {
        return new ThreadModel(t.task(), t.tid(), t.comm(), t.state(), rawState, t.flags(), t.tifFlags(), t.onCpu(),
                t.cpu(), t.crashCpu(), regs, t.fsBase(), t.gsBase(), t.fsIndex(), t.gsIndex(), t.syscall(), t.fpu(),
                t.blocked(), t.pending(), t.queued(), t.sasSsSp(), t.sasSsSize(), t.sasSsFlags(), t.rseq(),
                t.rseqLen(), t.rseqSig(), t.clearChildTid(), t.setChildTid(), stack, vforkDone, t.errors());
    }

    private static ProcessModel withThread(ProcessModel p, ThreadModel t) {
        return new ProcessModel(p.task(), p.pid(), p.ppid(), p.pgid(), p.sid(), p.comm(), p.state(), p.flags(),
                p.startBoottimeNs(), p.startTimeNs(), p.startTimeTicks(), p.cred(), p.rlimits(), p.personality(),
                p.umask(), p.cwd(), p.root(), p.mm(), List.of(t), p.vmas(), p.pages(), p.actions(), p.sharedPending(),
                p.sharedQueued(), p.files(), p.errors());
    }

    /** The shell (170) inside clone; {@code ax} -ENOSYS. */
    private static ProcessModel shell(int nr) {
        ProcessModel p = Models.simple(170, 1, 170, "sh");
        return withThread(p, with(p.threads().get(0), 1, Models.regs(nr, -38, FORK_FLAGS, 0), PARENT_STACK, 0));
    }

    /** A child of 170 whose registers are the copy clone made (ax 0), in state {@code rawState}. */
    private static ProcessModel child(int pid, int nr, long rawState, long vforkDone) {
        ProcessModel c = Models.simple(pid, 170, 170, "sh");
        return withThread(c, with(c.threads().get(0), rawState, Models.regs(nr, 0, FORK_FLAGS, 0),
                0xffffc90000100000L, vforkDone));
    }

    @Test
    void noChildRestartsTheCall() {
        Planner.Result r = plan(shell(SyscallRule.CLONE), Models.simple(150, 170, 170, "older-child"));
        SyscallRule.Decision d = r.process(170).orElseThrow().syscalls().get(170);
        assertEquals(SyscallRestart.RESTART, d.action(), d.reason());
        assertTrue(r.process(150).orElseThrow().resurrect(), "an older child (not TASK_NEW) is kept");
    }

    @Test
    void neverRunChildIsNotRestoredAndTheCallRestarts() {
        Planner.Result r = plan(shell(SyscallRule.CLONE), child(171, SyscallRule.CLONE, ThreadModel.TASK_NEW, 0));
        SyscallRule.Decision d = r.process(170).orElseThrow().syscalls().get(170);
        assertEquals(SyscallRestart.RESTART, d.action(), d.reason());
        ProcessPlan c = r.process(171).orElseThrow();
        assertFalse(c.resurrect());
        assertTrue(c.reason().startsWith("never ran"), c.reason());
        assertTrue(r.trees().stream().flatMap(t -> t.processes().stream()).noneMatch(m -> m.pid() == 171));
    }

    @Test
    void taskNewWithOtherRegistersIsNotThisCallsChild() {
        // a TASK_NEW task whose registers are not a copy of the caller's (another call) does not count
        ProcessModel c = child(171, SyscallRule.CLONE, ThreadModel.TASK_NEW, 0);
        ThreadModel t = c.threads().get(0);
        c = withThread(c, with(t, ThreadModel.TASK_NEW, Models.regs(SyscallRule.CLONE, 0, FORK_FLAGS + 1, 0), 0, 0));
        Planner.Result r = plan(shell(SyscallRule.CLONE), c);
        assertEquals(SyscallRestart.RESTART, r.process(170).orElseThrow().syscalls().get(170).action());
        assertTrue(r.process(171).orElseThrow().resurrect());
    }

    @Test
    void neverRunThreadIsDroppedFromItsProcess() {
        ProcessModel p = shell(SyscallRule.CLONE3);
        ThreadModel caller = p.threads().get(0);
        ThreadModel unborn = with(Models.thread(172, Models.regs(SyscallRule.CLONE3, 0, FORK_FLAGS, 0)),
                ThreadModel.TASK_NEW, Models.regs(SyscallRule.CLONE3, 0, FORK_FLAGS, 0), 0, 0);
        p = Models.withThreads(withThread(p, caller), unborn);
        Planner.Result r = plan(p);
        ProcessPlan plan = r.process(170).orElseThrow();
        assertEquals(SyscallRestart.RESTART, plan.syscalls().get(170).action());
        assertEquals(List.of(170), plan.model().threads().stream().map(ThreadModel::tid).toList());
    }

    /** Child 180 of a vfork that ran (asleep in nanosleep now) with its vfork_done at {@code vforkDone}. */
    private static ProcessModel vforkChildThatRan(long vforkDone) {
        ProcessModel c = child(180, SyscallRule.VFORK, 1, vforkDone);
        return withThread(c, with(c.threads().get(0), 1, Models.regs(SyscallRule.NANOSLEEP, -38, 0, 0),
                0xffffc90000100000L, vforkDone));
    }

    @Test
    void vforkChildThatRanCompletesTheCallWithItsPid() {
        // the child exec'd or runs: its registers are its own; its vfork_done lies on the parent's kernel stack
        Planner.Result r = plan(shell(SyscallRule.VFORK), vforkChildThatRan(PARENT_STACK + 0xe80));
        ProcessPlan parent = r.process(170).orElseThrow();
        SyscallRule.Decision d = parent.syscalls().get(170);
        assertEquals(SyscallRestart.RETURN, d.action(), d.reason());
        assertEquals(180, d.result());
        assertTrue(r.process(180).orElseThrow().resurrect());
        // what the image writer gets: ax = 180, ip unchanged
        ImageMapper m = ImageMapper.simple();
        ThreadImage t = m.map(parent, true, m.vmas(parent.model()), PageSource.NONE).threads().get(0);
        assertEquals(SyscallRestart.RETURN, t.restart());
        assertEquals(180, t.effectiveRegs().ax());
        assertEquals(0x401000, t.effectiveRegs().ip());
    }

    @Test
    void vforkDoneOnAnotherStackIsNotThisCallsChild() {
        Planner.Result r = plan(shell(SyscallRule.VFORK), vforkChildThatRan(PARENT_STACK + 0x5000));
        assertEquals(SyscallRestart.RESTART, r.process(170).orElseThrow().syscalls().get(170).action());
    }

    @Test
    void restartedCallIsWrittenRewound() {
        Planner.Result r = plan(shell(SyscallRule.FORK));
        ProcessPlan parent = r.process(170).orElseThrow();
        ImageMapper m = ImageMapper.simple();
        ThreadImage t = m.map(parent, true, m.vmas(parent.model()), PageSource.NONE).threads().get(0);
        assertEquals(SyscallRule.FORK, t.effectiveRegs().ax());
        assertEquals(0x401000 - 2, t.effectiveRegs().ip());
    }
}
