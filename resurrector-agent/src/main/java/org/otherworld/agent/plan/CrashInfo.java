package org.otherworld.agent.plan;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * The crash context a patched kernel records at panic (patch {@code kernel-patches/0003}: the global
 * {@code struct otherworld_crash_info otherworld_crash_info}, include/linux/otherworld.h), decoded through
 * BTF by member name. Found through VMCOREINFO's {@code SYMBOL(otherworld_crash_info)} or kallsyms; a stock
 * kernel has neither the symbol nor the type.
 *
 * @param version   the structure version (1)
 * @param cpu       the panicking CPU
 * @param pid       thread id of the task current on {@code cpu}
 * @param tgid      its process id
 * @param hasRegs   {@code inUser} and {@code ip} come from the interrupted registers
 * @param inUser    the interrupted context was user mode (only meaningful with {@code hasRegs})
 * @param inNmi     the crash was recorded in NMI context
 * @param inHardirq ... in hard interrupt context (also set inside an NMI)
 * @param inSoftirq ... while serving a softirq
 * @param kthread   the current task is a kernel thread
 * @param ip        instruction pointer of the interrupted context ({@code hasRegs})
 * @param task      address of the current task_struct
 * @param comm      its command name
 * @param message   the panic message, or null when none was recorded ({@code has_msg == 0})
 */
public record CrashInfo(long version, int cpu, int pid, int tgid, boolean hasRegs, boolean inUser, boolean inNmi,
                        boolean inHardirq, boolean inSoftirq, boolean kthread, long ip, long task, String comm,
                        String message) {
    /** OTHERWORLD_CRASH_MAGIC ("OWCI"), include/linux/otherworld.h of patch 0003: set once a crash was recorded. */
    public static final long MAGIC = 0x4f574349L;
    /** OTHERWORLD_CRASH_VERSION of patch 0003: the version this reader understands. */
    public static final long VERSION = 1;
    /** The symbol and the struct (same name). */
    public static final String SYMBOL = "otherworld_crash_info";
    /** Largest plausible CPU number. */
    static final int MAX_CPU = 1 << 16;

    /**
     * What was found: {@code info} when a crash was recorded, else null with the reason in {@code status}.
     *
     * @param status {@code recorded}, {@code absent} (stock kernel), {@code not recorded (...)} or
     *               {@code unusable: ...}
     */
    public record Lookup(CrashInfo info, String status) {
        static Lookup absent() {
            return new Lookup(null, "absent");
        }
    }

    /** The kernel's context: {@code nmi}, {@code hardirq}, {@code softirq} or {@code task}. */
    public String context() {
        return inNmi ? "nmi" : inHardirq ? "hardirq" : inSoftirq ? "softirq" : "task";
    }

    /** Whether the crash interrupted user mode (false when no registers were recorded: panic() from kernel code). */
    public boolean crashedInUser() {
        return hasRegs && inUser;
    }

    /** Finds and reads the crash context of {@code kernel}; never throws. */
    public static Lookup read(DeadKernel kernel) {
        OptionalLong addr = kernel.info().findSymbol(SYMBOL);
        if (addr.isEmpty()) {
            addr = kernel.symbols().find(SYMBOL);
        }
        return read(kernel.types(), kernel.kernelMemory(), addr, kernel.info().findSize(SYMBOL));
    }

    /**
     * Reads the structure at {@code address} (empty: no symbol); {@code vmcoreinfoSize} is VMCOREINFO's
     * {@code SIZE(otherworld_crash_info)}, checked against BTF when present.
     */
    public static Lookup read(KernelTypes types, VirtualMemory mem, OptionalLong address, OptionalLong vmcoreinfoSize) {
        boolean type = types.hasStruct(SYMBOL);
        if (address.isEmpty() && !type) {
            return Lookup.absent();
        }
        if (address.isEmpty()) {
            return new Lookup(null, "unusable: BTF has struct " + SYMBOL + " but no symbol " + SYMBOL + " was found");
        }
        if (!type) {
            return new Lookup(null, "unusable: symbol " + SYMBOL + " exists but BTF has no struct " + SYMBOL);
        }
        try {
            long size = types.struct(SYMBOL).size();
            if (vmcoreinfoSize.isPresent() && vmcoreinfoSize.getAsLong() != size) {
                return new Lookup(null, "unusable: VMCOREINFO SIZE(" + SYMBOL + ")=" + vmcoreinfoSize.getAsLong()
                        + " but BTF says " + size);
            }
            KObject ci = types.object(mem, SYMBOL, address.getAsLong());
            long magic = ci.u32("magic");
            if (magic != MAGIC) {
                return new Lookup(null, String.format("not recorded (magic 0x%x)", magic));
            }
            long version = ci.u32("version");
            if (version != VERSION) {
                return new Lookup(null, "unusable: version " + version + ", this agent reads version " + VERSION);
            }
            int cpu = (int) ci.s32("cpu");
            if (cpu < 0 || cpu >= MAX_CPU) {
                return new Lookup(null, "unusable: implausible cpu " + cpu);
            }
            int pid = (int) ci.s32("pid");
            int tgid = (int) ci.s32("tgid");
            if (pid < 0 || tgid < 0) {
                return new Lookup(null, "unusable: implausible pid " + pid + " / tgid " + tgid);
            }
            String msg = null;
            if (ci.u8("has_msg") != 0) {
                byte[] b = ci.bytes("msg");
                int n = 0;
                while (n < b.length && b[n] != 0) {
                    n++;
                }
                msg = new String(b, 0, n, StandardCharsets.UTF_8);
            }
            return new Lookup(new CrashInfo(version, cpu, pid, tgid, ci.u8("has_regs") != 0, ci.u8("in_user") != 0,
                    ci.u8("in_nmi") != 0, ci.u8("in_hardirq") != 0, ci.u8("in_softirq") != 0,
                    ci.u8("kthread") != 0, ci.u64("ip"), ci.pointer("task"), ci.cString("comm"), msg), "recorded");
        } catch (RuntimeException e) {
            String m = e.getMessage();
            return new Lookup(null, "unusable: " + (m == null ? e.getClass().getSimpleName() : m.split("\n")[0]));
        }
    }
}
