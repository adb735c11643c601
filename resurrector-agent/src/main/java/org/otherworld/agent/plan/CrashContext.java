package org.otherworld.agent.plan;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.otherworld.agent.vmcore.CpuState;

/**
 * Who was running where the kernel died, and so which threads are "faulty" (Planner rule 5,
 * docs/resurrection.md).
 *
 * <p>With a recorded {@link CrashInfo} (patched kernel, source {@code crash_info}) the faulty thread is the
 * task that was current on the panicking CPU, but only when the crash came from kernel code running in that
 * task's own context: a user task, no interrupt context, and not interrupted in user mode. A crash in an
 * interrupt (NMI, hard or soft IRQ) ran code that works for no process and merely interrupted the task; a
 * crash that hit a task in user mode (an NMI or machine check while it ran its own code) did not come from
 * anything the task asked the kernel to do. Neither makes it faulty.
 *
 * <p>Without it (stock kernel, source {@code cpu_notes}) the faulty threads are those named by the
 * panicking CPU's NT_PRSTATUS note ({@code panic_cpu}, else {@code crashing_cpu}), whatever the context.
 *
 * @param source    {@code crash_info} or {@code cpu_notes}
 * @param panicCpu  the panicking CPU, -1 if unknown
 * @param faultyTids the faulty thread ids (empty if none)
 * @param rule      one line: why these threads (or none) are faulty
 * @param info      the recorded crash context, or null
 * @param infoStatus what was found of the crash context ({@link CrashInfo.Lookup#status()})
 */
public record CrashContext(String source, int panicCpu, Set<Integer> faultyTids, String rule, CrashInfo info,
                           String infoStatus) {
    public CrashContext {
        faultyTids = Set.copyOf(faultyTids);
    }

    /**
     * Decides the faulty threads.
     *
     * @param lookup          the crash context lookup (a stock kernel gives status {@code absent})
     * @param panicCpuFromSym the panicking CPU from {@code panic_cpu}/{@code crashing_cpu}, -1 if unknown
     * @param cpus            the CPUs' crash notes
     */
    public static CrashContext decide(CrashInfo.Lookup lookup, int panicCpuFromSym, List<CpuState> cpus) {
        CrashInfo ci = lookup.info();
        if (ci == null) {
            Set<Integer> tids = new TreeSet<>();
            for (CpuState c : cpus) {
                if (c.cpu() == panicCpuFromSym && c.pid() > 0) {
                    tids.add(c.pid());
                }
            }
            String rule = panicCpuFromSym < 0 ? "panicking CPU unknown: no faulty process"
                    : tids.isEmpty() ? "the crash note of CPU " + panicCpuFromSym + " names no user thread"
                    : "current on the panicking CPU " + panicCpuFromSym + " (its crash note)";
            return new CrashContext("cpu_notes", panicCpuFromSym, tids, rule, null, lookup.status());
        }
        String who = ci.comm() + " (tid " + ci.pid() + ")";
        String rule;
        Set<Integer> tids = Set.of();
        if (ci.kthread()) {
            rule = "kernel thread " + who + " was current on CPU " + ci.cpu() + ": no user process is faulty";
        } else if (!"task".equals(ci.context())) {
            rule = "crash in " + ci.context() + " context on CPU " + ci.cpu() + ": the interrupted " + who
                    + " is not faulty";
        } else if (ci.crashedInUser()) {
            rule = "crash hit " + who + " in user mode on CPU " + ci.cpu() + ": not faulty";
        } else if (ci.pid() <= 0) {
            rule = "no user task was current on CPU " + ci.cpu();
        } else {
            tids = Set.of(ci.pid());
            rule = who + " crashed the kernel in its own context on CPU " + ci.cpu();
        }
        return new CrashContext("crash_info", ci.cpu(), tids, rule, ci, lookup.status());
    }

    /** The report's {@code crash} object. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source);
        m.put("crash_info", infoStatus);
        m.put("panic_cpu", panicCpu < 0 ? null : (long) panicCpu);
        m.put("faulty_rule", rule);
        if (info != null) {
            m.put("pid", (long) info.pid());
            m.put("tgid", (long) info.tgid());
            m.put("comm", info.comm());
            m.put("kthread", info.kthread());
            m.put("context", info.context());
            m.put("regs", info.hasRegs());
            m.put("in_user", info.crashedInUser());
            m.put("ip", info.hasRegs() ? "0x" + Long.toHexString(info.ip()) : null);
            m.put("message", info.message());
        }
        return m;
    }

    /** The panic message when the kernel recorded one, else "". */
    public String panicMessage() {
        return info == null || info.message() == null ? "" : info.message();
    }
}
