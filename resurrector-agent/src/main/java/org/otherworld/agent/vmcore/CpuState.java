package org.otherworld.agent.vmcore;

import java.util.Arrays;

/**
 * The registers one CPU saved when the kernel crashed: the descriptor of an NT_PRSTATUS note
 * ({@code struct elf_prstatus}) decoded for x86-64.
 *
 * <p>Layout facts (include/uapi/linux/elfcore.h {@code struct elf_prstatus}, since 5.16 split into
 * {@code elf_prstatus_common} + {@code pr_reg}; arch/x86/include/asm/user_64.h
 * {@code struct user_regs_struct}): {@code pr_info} (3 ints, 12 bytes), {@code pr_cursig}
 * (short, +2 pad), {@code pr_sigpend}, {@code pr_sighold} (8 bytes each) put {@code pr_pid} at
 * offset 32; four 16-byte {@code timeval}s after the four pid_t fields end at 112, where
 * {@code pr_reg} (27 x 8 bytes) starts; then {@code pr_fpvalid} (int) and padding: 336 bytes in all.
 */
public final class CpuState {
    /** Offset of {@code pr_pid} in {@code struct elf_prstatus} on x86-64. */
    public static final int PR_PID_OFFSET = 32;
    /** Offset of {@code pr_reg} in {@code struct elf_prstatus} on x86-64. */
    public static final int PR_REG_OFFSET = 112;
    /** {@code sizeof(struct elf_prstatus)} on x86-64. */
    public static final int PRSTATUS_SIZE = 336;
    /** Smallest descriptor that still holds every register. */
    public static final int MIN_DESC_SIZE = PR_REG_OFFSET + Register.values().length * 8;

    /** The x86-64 {@code user_regs_struct} registers, in their order in {@code pr_reg}. */
    public enum Register {
        R15, R14, R13, R12, RBP, RBX, R11, R10, R9, R8, RAX, RCX, RDX, RSI, RDI, ORIG_RAX,
        RIP, CS, EFLAGS, RSP, SS, FS_BASE, GS_BASE, DS, ES, FS, GS
    }

    private final int cpu;
    private final int pid;
    private final long[] regs;

    public CpuState(int cpu, int pid, long[] regs) {
        if (regs.length != Register.values().length) {
            throw new IllegalArgumentException("need " + Register.values().length + " registers, got " + regs.length);
        }
        this.cpu = cpu;
        this.pid = pid;
        this.regs = regs.clone();
    }

    /**
     * Decodes an NT_PRSTATUS descriptor.
     *
     * @param cpu the CPU index (the order of the note among the NT_PRSTATUS notes)
     * @throws IllegalArgumentException if the descriptor is too short to hold the registers
     */
    public static CpuState fromPrstatus(int cpu, byte[] desc) {
        if (desc.length < MIN_DESC_SIZE) {
            throw new IllegalArgumentException("NT_PRSTATUS descriptor of CPU " + cpu + " has " + desc.length
                    + " bytes, need at least " + MIN_DESC_SIZE);
        }
        long[] r = new long[Register.values().length];
        for (int i = 0; i < r.length; i++) {
            r[i] = LittleEndian.u64(desc, PR_REG_OFFSET + 8 * i);
        }
        return new CpuState(cpu, LittleEndian.u32(desc, PR_PID_OFFSET), r);
    }

    public int cpu() { return cpu; }
    /** {@code pr_pid}: the pid of the task running on this CPU at the crash (0 for idle). */
    public int pid() { return pid; }
    public long get(Register r) { return regs[r.ordinal()]; }
    public long r15() { return get(Register.R15); }
    public long r14() { return get(Register.R14); }
    public long r13() { return get(Register.R13); }
    public long r12() { return get(Register.R12); }
    public long rbp() { return get(Register.RBP); }
    public long rbx() { return get(Register.RBX); }
    public long r11() { return get(Register.R11); }
    public long r10() { return get(Register.R10); }
    public long r9() { return get(Register.R9); }
    public long r8() { return get(Register.R8); }
    public long rax() { return get(Register.RAX); }
    public long rcx() { return get(Register.RCX); }
    public long rdx() { return get(Register.RDX); }
    public long rsi() { return get(Register.RSI); }
    public long rdi() { return get(Register.RDI); }
    public long origRax() { return get(Register.ORIG_RAX); }
    public long rip() { return get(Register.RIP); }
    public long cs() { return get(Register.CS); }
    public long eflags() { return get(Register.EFLAGS); }
    public long rsp() { return get(Register.RSP); }
    public long ss() { return get(Register.SS); }
    public long fsBase() { return get(Register.FS_BASE); }
    public long gsBase() { return get(Register.GS_BASE); }
    public long ds() { return get(Register.DS); }
    public long es() { return get(Register.ES); }
    public long fs() { return get(Register.FS); }
    public long gs() { return get(Register.GS); }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuState c && c.cpu == cpu && c.pid == pid && Arrays.equals(c.regs, regs);
    }

    @Override
    public int hashCode() {
        return cpu * 31 + pid * 7 + Arrays.hashCode(regs);
    }

    @Override
    public String toString() {
        return String.format("CpuState[cpu %d, pid %d, rip 0x%x, rsp 0x%x]", cpu, pid, rip(), rsp());
    }
}
