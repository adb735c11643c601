package org.otherworld.agent.images;

/**
 * What the writer does with a thread's registers when the thread sat in a system call. CRIU stores
 * registers already rewound (compel/arch/x86/src/lib/infect.c get_task_regs at v3.17.1): restore
 * resumes at {@code ip} with {@code ax}, and never restarts a call by itself.
 */
public enum SyscallRestart {
    /** Registers are stored as given. */
    NONE,
    /** Re-execute the call: ax = orig_ax, ip -= 2 (length of the {@code syscall} instruction). */
    RESTART,
    /** Return -EINTR from the call: ax = -4 (what CRIU does for -ERESTART_RESTARTBLOCK). */
    EINTR,
    /**
     * Complete the call with a given result: ax = the value, ip unchanged (the thread returns from the
     * call). Used for a clone whose child was created and has run: the call returns the child's pid.
     */
    RETURN;

    /** Length of the x86-64 {@code syscall} instruction (0f 05). */
    public static final int SYSCALL_INSN_LEN = 2;
    /** -EINTR. */
    public static final long MINUS_EINTR = -4;

    /** Applies this choice to {@code r}; {@link #RETURN} needs a value: {@link #apply(X86Regs, long)}. */
    public X86Regs apply(X86Regs r) {
        if (this == RETURN) {
            throw new IllegalStateException("RETURN needs the call's result");
        }
        return apply(r, 0);
    }

    /** Applies this choice to {@code r}; {@code result} is the call's result for {@link #RETURN}. */
    public X86Regs apply(X86Regs r, long result) {
        return switch (this) {
            case NONE -> r;
            case RESTART -> r.withAxIp(r.origAx(), r.ip() - SYSCALL_INSN_LEN);
            case EINTR -> r.withAxIp(MINUS_EINTR, r.ip());
            case RETURN -> r.withAxIp(result, r.ip());
        };
    }
}
