package org.otherworld.agent.task;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The user-mode registers of a thread: the {@code struct pt_regs} the kernel saved at the top of the
 * thread's kernel stack on entry (task_pt_regs()), by member name (r15 ... ss, as in BTF).
 *
 * @param address where the pt_regs lies (a vmalloc'ed stack address)
 * @param values  member name to value, in struct order
 */
public record PtRegs(long address, Map<String, Long> values) {
    /** TOP_OF_KERNEL_STACK_PADDING of x86-64 (arch/x86/include/asm/thread_info.h): 0. */
    public static final long TOP_OF_KERNEL_STACK_PADDING_X86_64 = 0;

    public PtRegs {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * task_pt_regs(task) on x86-64: {@code (struct pt_regs *)(task->stack + THREAD_SIZE - padding) - 1}.
     */
    public static long locate(long stack, long threadSize, long ptRegsSize, long padding) {
        return stack + threadSize - padding - ptRegsSize;
    }

    public long get(String name) {
        Long v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("pt_regs has no register " + name);
        }
        return v;
    }

    public long ip() { return get("ip"); }

    public long sp() { return get("sp"); }

    public long origAx() { return get("orig_ax"); }

    /** Whether the saved CS is a user code segment (RPL 3): the registers are user state. */
    public boolean userMode() {
        return (get("cs") & 3) == 3;
    }

    /**
     * The syscall the thread is in, as syscall_get_nr() gives it: {@code (int) orig_ax}, -1 if none.
     */
    public int syscallNr() {
        return (int) origAx();
    }

    /**
     * The text of /proc/PID/task/TID/syscall (fs/proc/base.c proc_pid_syscall, v6.1) for a thread that
     * was not running: "NR ARG1..ARG6 SP PC" in a syscall, "-1 SP PC" otherwise; the x86-64 argument
     * registers are di, si, dx, r10, r8, r9.
     */
    public String procSyscall() {
        int nr = syscallNr();
        StringBuilder b = new StringBuilder(nr < 0 ? 40 : 160).append(nr);
        if (nr >= 0) {
            for (String arg : SYSCALL_ARGS) {
                hex(b, get(arg));
            }
        }
        hex(b, sp());
        hex(b, ip());
        return b.toString();
    }

    /** The x86-64 syscall argument registers, in order. */
    private static final String[] SYSCALL_ARGS = {"di", "si", "dx", "r10", "r8", "r9"};

    /**
     * " 0x" and {@code v} in lower-case hex, as the kernel's %lx. Not String.format: that builds a Formatter
     * and clones the locale's number symbols on every call, which cost a quarter of the process-reading
     * phase in the crash kernel (one call per thread).
     */
    private static void hex(StringBuilder b, long v) {
        b.append(" 0x").append(Long.toHexString(v));
    }
}
