package org.otherworld.agent.task;

/**
 * The task state letter /proc shows (include/linux/sched.h __task_state_index() and fs/proc/array.c
 * task_state_array, v6.1). The bits are fixed #defines of the kernel ABI for tools like ps.
 */
public final class TaskStates {
    public static final int TASK_RUNNING = 0x0;
    public static final int TASK_INTERRUPTIBLE = 0x1;
    public static final int TASK_UNINTERRUPTIBLE = 0x2;
    public static final int TASK_STOPPED = 0x4;
    public static final int TASK_TRACED = 0x8;
    public static final int EXIT_DEAD = 0x10;
    public static final int EXIT_ZOMBIE = 0x20;
    public static final int TASK_PARKED = 0x40;
    public static final int TASK_NOLOAD = 0x400;
    public static final int TASK_RTLOCK_WAIT = 0x1000;
    /** TASK_REPORT: the states user space sees. */
    public static final int TASK_REPORT = 0x7f;
    public static final int TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD;
    /** TASK_REPORT_IDLE = TASK_REPORT + 1. */
    public static final int TASK_REPORT_IDLE = TASK_REPORT + 1;
    /** task_state_array letters, indexed by fls() of the reported state. */
    static final char[] LETTERS = {'R', 'S', 'D', 'T', 't', 'X', 'Z', 'P', 'I'};

    private TaskStates() {
    }

    /** The state letter for {@code task->__state} and {@code task->exit_state}. */
    public static char letter(long state, long exitState) {
        int s = (int) ((state | exitState) & TASK_REPORT);
        if ((state & TASK_IDLE) == TASK_IDLE) {
            s = TASK_REPORT_IDLE;
        }
        if (state == TASK_RTLOCK_WAIT) {
            s = TASK_UNINTERRUPTIBLE;
        }
        int fls = 32 - Integer.numberOfLeadingZeros(s);
        return fls < LETTERS.length ? LETTERS[fls] : '?';
    }
}
