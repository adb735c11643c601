package org.otherworld.agent.plan;

import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import org.otherworld.agent.images.SyscallRestart;

/**
 * What a resurrected thread does about the system call it was in when the kernel died (Otherworld
 * semantics): the call is interrupted and returns {@code -EINTR}, as if a signal had arrived, except for
 * calls that can be re-executed transparently, which are restarted like the kernel restarts a call
 * that returned {@code -ERESTARTNOINTR} ({@code ip -= 2}, {@code ax = orig_ax}).
 *
 * <p>A thread is in a system call when {@code orig_ax >= 0} (an interrupt or exception entry stores a
 * negative value) and the call has not completed: x86-64 entry code stores {@code -ENOSYS} in
 * {@code pt_regs->ax} before dispatching and the call's result replaces it on return, so
 * {@code ax == -ENOSYS} means "still inside"; {@code ax} holding one of the kernel-internal restart codes
 * ({@code -ERESTARTSYS}, {@code -ERESTARTNOINTR}, {@code -ERESTARTNOHAND}, {@code -ERESTART_RESTARTBLOCK})
 * means the call was interrupted and the restart had not been decided yet: also "inside". Any other
 * {@code ax} is a completed call's result: the thread returns to user mode with it ({@link
 * SyscallRestart#NONE}), like a thread that was in user mode.
 *
 * <p>Restarted transparently ({@link #RESTARTABLE}): sleeping and waiting calls whose re-execution has
 * the same effect ({@code nanosleep}, {@code clock_nanosleep}, {@code pause}, {@code wait4},
 * {@code waitid}, {@code futex} waits, {@code sched_yield}), and data calls on restored regular files
 * ({@code read}, {@code write}, {@code pread64}, {@code pwrite64}, {@code readv}, {@code writev},
 * {@code preadv}, {@code pwritev}, {@code fsync}, {@code fdatasync}, {@code fallocate}): a call still
 * sleeping had not changed the file position (a thread blocked on a frozen filesystem or a disk read);
 * the same calls on restored pipes and FIFOs: a read sleeps only while it has copied nothing, a write of
 * up to PIPE_BUF bytes copies all or nothing (a larger write may have queued a part, which the restart
 * sends again). A relative sleep restarts with its full duration.
 *
 * <p>Also restarted ({@link #PATH_CALLS}): calls whose whole effect is on the filesystem's namespace or
 * metadata ({@code open}, {@code stat}, {@code rename}, {@code unlink}, {@code mkdir} ... and their
 * {@code *at} forms), whatever their arguments. What the resurrected program finds on disk is what
 * the journal had committed at the crash. A call that had not completed either had not taken
 * effect there (the usual case: the thread slept or spun on a lock the crash left held) and re-executing
 * it does what the program asked, or it had taken effect and re-executing it fails (ENOENT, EEXIST)
 * where {@code -EINTR} would have failed too, or succeeds again where that is harmless ({@code stat},
 * {@code chmod}, {@code open} without {@code O_EXCL}). Programs do not expect EINTR from these calls
 * (POSIX does not list it for {@code rename} or {@code stat}; Java's file API throws on it): the
 * campaign's most frequent failure was a JVM whose {@code rename} returned EINTR and which exited.
 *
 * <p>Process creation ({@link #CLONE_CALLS}: {@code clone}, {@code fork}, {@code vfork}, {@code clone3};
 * campaign run r0120-overrun: a shell in {@code fork} got EINTR, printed "can't fork" and exited). The
 * kernel restarts these itself when interrupted before the child exists (copy_process() returns
 * {@code -ERESTARTNOINTR}), and a child becomes visible only at the end of copy_process(), when it joins
 * the task list with state {@code TASK_NEW} (kernel/fork.c, v6.1). So the rule needs to know which tasks of
 * the dead kernel this call created ({@link CloneChild}, found by the planner: {@link CloneChildren}):
 * <ul>
 * <li>none: the call is restarted; re-executing it creates the child the program asked for;</li>
 * <li>only children that never returned to user mode (their saved registers are still the copy the call
 *     made): the call is restarted too, and the planner does not restore those children (nothing of them
 *     was ever visible to user space; restoring them as well would give the program two children);</li>
 * <li>one child that has run (a vfork child the parent was waiting for): the call completes with the
 *     child's id ({@link SyscallRestart#RETURN}), as it would have;</li>
 * <li>several children that have run (cannot be told apart): {@code -EINTR}.</li>
 * </ul>
 * Everything else, and data calls on descriptors that are not restored (sockets, terminals), returns
 * {@code -EINTR}.
 */
public final class SyscallRule {
    /** -ENOSYS: what x86-64 entry stores in pt_regs->ax before running a call. */
    public static final long MINUS_ENOSYS = -38;
    /** Kernel-internal restart codes (include/linux/errno.h). */
    public static final long ERESTARTSYS = -512, ERESTARTNOINTR = -513, ERESTARTNOHAND = -514,
            ERESTART_RESTARTBLOCK = -516;

    /** x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
    public static final int READ = 0, WRITE = 1, PREAD64 = 17, PWRITE64 = 18, READV = 19, WRITEV = 20,
            SCHED_YIELD = 24, PAUSE = 34, NANOSLEEP = 35, WAIT4 = 61, FSYNC = 74, FDATASYNC = 75, FUTEX = 202,
            CLOCK_NANOSLEEP = 230, WAITID = 247, FALLOCATE = 285, PREADV = 295, PWRITEV = 296;
    /** Process creation calls (syscall_64.tbl). */
    public static final int CLONE = 56, FORK = 57, VFORK = 58, CLONE3 = 435;
    public static final Map<Integer, String> CLONE_CALLS = Map.of(CLONE, "clone", FORK, "fork", VFORK, "vfork",
            CLONE3, "clone3");
    /** FUTEX_WAIT and FUTEX_WAIT_BITSET, and FUTEX_CMD_MASK's complement (private and clock flags). */
    public static final int FUTEX_WAIT = 0, FUTEX_WAIT_BITSET = 9, FUTEX_FLAGS = 128 | 256;

    /** Calls restarted whatever their arguments. */
    public static final Map<Integer, String> RESTARTABLE = Map.of(NANOSLEEP, "nanosleep",
            CLOCK_NANOSLEEP, "clock_nanosleep", PAUSE, "pause", WAIT4, "wait4", WAITID, "waitid",
            SCHED_YIELD, "sched_yield");
    /**
     * Filesystem namespace and metadata calls, restarted whatever their arguments (see the class
     * comment); numbers from syscall_64.tbl.
     */
    public static final Map<Integer, String> PATH_CALLS = Map.ofEntries(Map.entry(2, "open"), Map.entry(4, "stat"),
            Map.entry(6, "lstat"), Map.entry(21, "access"), Map.entry(76, "truncate"), Map.entry(82, "rename"),
            Map.entry(83, "mkdir"), Map.entry(84, "rmdir"), Map.entry(85, "creat"), Map.entry(86, "link"),
            Map.entry(87, "unlink"), Map.entry(88, "symlink"), Map.entry(89, "readlink"), Map.entry(90, "chmod"),
            Map.entry(92, "chown"), Map.entry(94, "lchown"), Map.entry(132, "utime"), Map.entry(137, "statfs"),
            Map.entry(257, "openat"), Map.entry(258, "mkdirat"), Map.entry(260, "fchownat"),
            Map.entry(262, "newfstatat"), Map.entry(263, "unlinkat"), Map.entry(264, "renameat"),
            Map.entry(265, "linkat"), Map.entry(266, "symlinkat"), Map.entry(267, "readlinkat"),
            Map.entry(268, "fchmodat"), Map.entry(269, "faccessat"), Map.entry(280, "utimensat"),
            Map.entry(316, "renameat2"), Map.entry(332, "statx"), Map.entry(437, "openat2"),
            Map.entry(439, "faccessat2"));
    /** Calls restarted when their first argument is a restored regular file. */
    public static final Map<Integer, String> FILE_CALLS = Map.ofEntries(Map.entry(READ, "read"),
            Map.entry(WRITE, "write"), Map.entry(PREAD64, "pread64"), Map.entry(PWRITE64, "pwrite64"),
            Map.entry(READV, "readv"), Map.entry(WRITEV, "writev"), Map.entry(PREADV, "preadv"),
            Map.entry(PWRITEV, "pwritev"), Map.entry(FSYNC, "fsync"), Map.entry(FDATASYNC, "fdatasync"),
            Map.entry(FALLOCATE, "fallocate"), Map.entry(5, "fstat"), Map.entry(77, "ftruncate"),
            Map.entry(91, "fchmod"), Map.entry(93, "fchown"), Map.entry(138, "fstatfs"));

    private SyscallRule() {
    }

    /**
     * The decision for one thread.
     *
     * @param action  what the image writer does with the registers
     * @param syscall the call's number, or -1 when the thread was not in a call
     * @param reason  a short explanation for the report
     */
    public record Decision(SyscallRestart action, int syscall, String reason, long result) {
        public Decision(SyscallRestart action, int syscall, String reason) {
            this(action, syscall, reason, 0);
        }
    }

    /**
     * A task of the dead kernel created by a thread's clone call that had not returned.
     *
     * @param tid the child's id (what the call returns)
     * @param ran whether it had returned to user mode (its registers are no longer the call's copy)
     */
    public record CloneChild(int tid, boolean ran) {
    }

    /**
     * Decides for a thread no task of the dead kernel was created by (see {@link #decide(long, long, long,
     * long, IntPredicate, List)}).
     */
    public static Decision decide(long origAx, long ax, long arg0, long arg1, IntPredicate restoredFileFd) {
        return decide(origAx, ax, arg0, arg1, restoredFileFd, List.of());
    }

    /**
     * Decides for a thread with the given saved registers.
     *
     * @param origAx         pt_regs->orig_ax
     * @param ax             pt_regs->ax
     * @param arg0           pt_regs->di (first argument: the descriptor of file calls)
     * @param arg1           pt_regs->si (second argument: the futex operation)
     * @param restoredFileFd whether a descriptor is a regular file, pipe or FIFO the resurrection restores
     *                       (a blocked read/write on a pipe had moved no data: see docs/resurrection.md)
     * @param cloneChildren  the tasks created by this thread's clone call in flight (read only for
     *                       {@link #CLONE_CALLS}); empty if none
     */
    public static Decision decide(long origAx, long ax, long arg0, long arg1, IntPredicate restoredFileFd,
                                  List<CloneChild> cloneChildren) {
        if (origAx < 0) {
            return new Decision(SyscallRestart.NONE, -1, "user mode");
        }
        int nr = (int) origAx;
        if (!inFlight(ax)) {
            return new Decision(SyscallRestart.NONE, nr, "call " + nr + " had completed");
        }
        String name = RESTARTABLE.get(nr);
        if (name != null) {
            return new Decision(SyscallRestart.RESTART, nr, name + " restarted");
        }
        name = CLONE_CALLS.get(nr);
        if (name != null) {
            return clone(nr, name, cloneChildren);
        }
        if (nr == FUTEX) {
            int op = (int) arg1 & ~FUTEX_FLAGS;
            if (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET) {
                return new Decision(SyscallRestart.RESTART, nr, "futex wait restarted");
            }
            return new Decision(SyscallRestart.EINTR, nr, "futex op " + op + " interrupted");
        }
        name = PATH_CALLS.get(nr);
        if (name != null) {
            return new Decision(SyscallRestart.RESTART, nr, name + " restarted (filesystem call)");
        }
        name = FILE_CALLS.get(nr);
        if (name != null) {
            int fd = (int) arg0;
            if (arg0 == fd && fd >= 0 && restoredFileFd.test(fd)) {
                return new Decision(SyscallRestart.RESTART, nr, name + " on restored fd " + fd + " restarted");
            }
            return new Decision(SyscallRestart.EINTR, nr, name + " on fd " + arg0 + " interrupted");
        }
        return new Decision(SyscallRestart.EINTR, nr, "call " + nr + " interrupted");
    }

    private static Decision clone(int nr, String name, List<CloneChild> children) {
        List<CloneChild> ran = children.stream().filter(CloneChild::ran).toList();
        if (ran.size() == 1) {
            int tid = ran.get(0).tid();
            return new Decision(SyscallRestart.RETURN, nr, name + " completed with child " + tid
                    + " (created and has run)", tid);
        }
        if (ran.size() > 1) {
            return new Decision(SyscallRestart.EINTR, nr, name + " in flight with " + ran.size()
                    + " children that have run: interrupted");
        }
        if (children.isEmpty()) {
            return new Decision(SyscallRestart.RESTART, nr, name + " restarted (no child created)");
        }
        String tids = String.join(",", children.stream().map(c -> Integer.toString(c.tid())).toList());
        return new Decision(SyscallRestart.RESTART, nr, name + " restarted; child " + tids
                + " never ran and is not restored");
    }

    /** Whether {@code ax} says the call had not completed (see the class comment). */
    public static boolean inFlight(long ax) {
        return ax == MINUS_ENOSYS || ax == ERESTARTSYS || ax == ERESTARTNOINTR || ax == ERESTARTNOHAND
                || ax == ERESTART_RESTARTBLOCK;
    }
}
