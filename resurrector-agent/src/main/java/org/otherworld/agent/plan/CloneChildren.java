package org.otherworld.agent.plan;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.PtRegs;
import org.otherworld.agent.task.ThreadModel;

/**
 * Finds, for each thread whose clone call ({@link SyscallRule#CLONE_CALLS}) had not returned, the tasks of
 * the dead kernel that call created (facts from kernel/fork.c and arch/x86/kernel/process.c, v6.1):
 * <ul>
 * <li>a task with state {@code TASK_NEW} exists only between sched_fork() and wake_up_new_task(), both
 *     inside the creating call; it is in the task list from the end of copy_process() on. It belongs to the
 *     caller when it is related as clone makes it (a child of the caller's process; a child of the caller's
 *     parent for {@code CLONE_PARENT}; a thread of the caller's process for {@code CLONE_THREAD}) and its
 *     saved registers are the copy copy_thread() made of the caller's ({@code *childregs =
 *     *current_pt_regs()}, {@code ax = 0}): same call number, instruction pointer and arguments;</li>
 * <li>a task whose {@code vfork_done} points into the caller's kernel stack is the child of the caller's
 *     vfork-style clone (the completion lives in kernel_clone()'s frame while the parent waits).</li>
 * </ul>
 * A child "ran" when its registers are no longer that copy (it returned to user mode at least once).
 */
public final class CloneChildren {
    /** The argument registers clone copies into the child unchanged (sp may be replaced, ax is 0). */
    static final List<String> COPIED = List.of("orig_ax", "ip", "di", "si", "dx", "r10", "r8");

    /** Caller thread id to the tasks its call created (callers without any are absent). */
    private final Map<Integer, List<SyscallRule.CloneChild>> byCaller;
    /** Never-run child thread id to its caller's thread id. */
    private final Map<Integer, Integer> neverRan;

    private CloneChildren(Map<Integer, List<SyscallRule.CloneChild>> byCaller, Map<Integer, Integer> neverRan) {
        this.byCaller = byCaller;
        this.neverRan = neverRan;
    }

    /** Finds the children of all in-flight clone calls among {@code processes}. */
    public static CloneChildren of(Collection<ProcessModel> processes) {
        Map<Integer, List<SyscallRule.CloneChild>> byCaller = new HashMap<>();
        Map<Integer, Integer> neverRan = new HashMap<>();
        for (ProcessModel p : processes) {
            for (ThreadModel t : p.threads()) {
                if (!cloneInFlight(t)) {
                    continue;
                }
                List<SyscallRule.CloneChild> found = new ArrayList<>();
                for (ProcessModel q : processes) {
                    found.addAll(createdIn(p, t, q));
                }
                for (SyscallRule.CloneChild c : found) {
                    if (!c.ran()) {
                        neverRan.put(c.tid(), t.tid());
                    }
                }
                if (!found.isEmpty()) {
                    byCaller.put(t.tid(), List.copyOf(found));
                }
            }
        }
        return new CloneChildren(byCaller, neverRan);
    }

    /** The tasks of process {@code q} created by the in-flight clone call of thread {@code t} of {@code p}. */
    private static List<SyscallRule.CloneChild> createdIn(ProcessModel p, ThreadModel t, ProcessModel q) {
        boolean sameProcess = q.pid() == p.pid();
        if (!sameProcess && q.ppid() != p.pid() && q.ppid() != p.ppid()) {
            return List.of();
        }
        List<SyscallRule.CloneChild> out = new ArrayList<>();
        for (ThreadModel c : q.threads()) {
            if (c.tid() == t.tid() || c.regs() == null || (!sameProcess && c.tid() != q.pid())) {
                continue;
            }
            boolean copy = registerCopy(t.regs(), c.regs());
            boolean vforkChild = !sameProcess && c.vforkDone() != 0 && t.kernelStack() != 0
                    && c.vforkDone() >= t.kernelStack() && c.vforkDone() < t.regs().address();
            if ((c.beingCreated() && copy) || vforkChild) {
                out.add(new SyscallRule.CloneChild(c.tid(), !copy));
            }
        }
        return out;
    }

    /** The tasks created by thread {@code tid}'s call in flight (empty if none). */
    public List<SyscallRule.CloneChild> createdBy(int tid) {
        return byCaller.getOrDefault(tid, List.of());
    }

    /**
     * The caller of the call that created thread {@code tid} if that thread never ran (it is not restored:
     * the caller's call is restarted), else null.
     */
    public Integer neverRanChildOf(int tid) {
        Integer caller = neverRan.get(tid);
        if (caller == null) {
            return null;
        }
        // a never-run child is dropped only when its caller's call is restarted (no child of it ran)
        return createdBy(caller).stream().anyMatch(SyscallRule.CloneChild::ran) ? null : caller;
    }

    private static boolean cloneInFlight(ThreadModel t) {
        if (t.regs() == null) {
            return false;
        }
        try {
            long nr = t.regs().origAx();
            return nr >= 0 && SyscallRule.CLONE_CALLS.containsKey((int) nr) && nr == (int) nr
                    && SyscallRule.inFlight(t.regs().get("ax"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether {@code child}'s registers are still the copy clone made of {@code caller}'s. */
    static boolean registerCopy(PtRegs caller, PtRegs child) {
        try {
            if (child.get("ax") != 0) {
                return false;
            }
            for (String r : COPIED) {
                if (caller.get(r) != child.get(r)) {
                    return false;
                }
            }
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
