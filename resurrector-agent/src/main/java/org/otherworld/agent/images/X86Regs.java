package org.otherworld.agent.images;

/**
 * The x86-64 {@code struct user_regs_struct} (arch/x86/include/asm/user_64.h), field for field; maps
 * onto CRIU's user_x86_regs_entry.
 */
public record X86Regs(long r15, long r14, long r13, long r12, long bp, long bx, long r11, long r10, long r9,
        long r8, long ax, long cx, long dx, long si, long di, long origAx, long ip, long cs, long flags, long sp,
        long ss, long fsBase, long gsBase, long ds, long es, long fs, long gs) {

    /** Linux x86-64 user segment selectors (__USER_CS, __USER_DS). */
    public static final long USER_CS = 0x33, USER_DS = 0x2b;

    /** Registers with everything zero but ip, sp, the user selectors and IF set in flags (for tests). */
    public static X86Regs of(long ip, long sp) {
        return new X86Regs(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, ip, USER_CS, 0x202, sp, USER_DS, 0, 0,
                0, 0, 0, 0);
    }

    /** A copy with ax and ip replaced (used for system call restart). */
    public X86Regs withAxIp(long newAx, long newIp) {
        return new X86Regs(r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, newAx, cx, dx, si, di, origAx, newIp, cs,
                flags, sp, ss, fsBase, gsBase, ds, es, fs, gs);
    }
}
