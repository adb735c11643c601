package org.otherworld.agent.plan;

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
 * sends again). A relative sleep restarts with its full duration. Everything else, and data calls on
 * descriptors that are not restored (sockets, terminals), returns {@code -EINTR}.
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
    /** FUTEX_WAIT and FUTEX_WAIT_BITSET, and FUTEX_CMD_MASK's complement (private and clock flags). */
    public static final int FUTEX_WAIT = 0, FUTEX_WAIT_BITSET = 9, FUTEX_FLAGS = 128 | 256;

    /** Calls restarted whatever their arguments. */
    public static final Map<Integer, String> RESTARTABLE = Map.of(NANOSLEEP, "nanosleep",
            CLOCK_NANOSLEEP, "clock_nanosleep", PAUSE, "pause", WAIT4, "wait4", WAITID, "waitid",
            SCHED_YIELD, "sched_yield");
    /** Calls restarted when their first argument is a restored regular file. */
    public static final Map<Integer, String> FILE_CALLS = Map.ofEntries(Map.entry(READ, "read"),
            Map.entry(WRITE, "write"), Map.entry(PREAD64, "pread64"), Map.entry(PWRITE64, "pwrite64"),
            Map.entry(READV, "readv"), Map.entry(WRITEV, "writev"), Map.entry(PREADV, "preadv"),
            Map.entry(PWRITEV, "pwritev"), Map.entry(FSYNC, "fsync"), Map.entry(FDATASYNC, "fdatasync"),
            Map.entry(FALLOCATE, "fallocate"));

    private SyscallRule() {
    }

    /**
     * The decision for one thread.
     *
     * @param action  what the image writer does with the registers
     * @param syscall the call's number, or -1 when the thread was not in a call
     * @param reason  a short explanation for the report
     */
    public record Decision(SyscallRestart action, int syscall, String reason) {
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
     */
    public static Decision decide(long origAx, long ax, long arg0, long arg1, IntPredicate restoredFileFd) {
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
        if (nr == FUTEX) {
            int op = (int) arg1 & ~FUTEX_FLAGS;
            if (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET) {
                return new Decision(SyscallRestart.RESTART, nr, "futex wait restarted");
            }
            return new Decision(SyscallRestart.EINTR, nr, "futex op " + op + " interrupted");
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

    /** Whether {@code ax} says the call had not completed (see the class comment). */
    public static boolean inFlight(long ax) {
        return ax == MINUS_ENOSYS || ax == ERESTARTSYS || ax == ERESTARTNOINTR || ax == ERESTARTNOHAND
                || ax == ERESTART_RESTARTBLOCK;
    }
}
