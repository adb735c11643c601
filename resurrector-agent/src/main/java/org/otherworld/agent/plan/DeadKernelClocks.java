package org.otherworld.agent.plan;

import org.otherworld.agent.images.ClockImage;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;

/**
 * The dead kernel's CLOCK_MONOTONIC and CLOCK_BOOTTIME at the crash, read from its timekeeper
 * (kernel/time/timekeeping.c), so the resurrected processes' clocks continue from there
 * ({@link ClockImage}, timens-0.img) instead of restarting with the fresh kernel's boot: a thread that
 * waited for an absolute monotonic deadline (a JVM's {@code Thread.sleep}: {@code pthread_cond_timedwait}
 * on CLOCK_MONOTONIC, i.e. {@code futex(FUTEX_WAIT_BITSET)} with an absolute timeout) restarts its
 * wait with the same deadline, which the fresh kernel's clock would only reach after the dead
 * kernel's whole uptime.
 *
 * <p>The published timekeeper is {@code tk_core.timekeeper} ({@code static struct { seqcount_raw_spinlock_t
 * seq; struct timekeeper timekeeper; } tk_core}: an anonymous struct, so the offset of {@code timekeeper} is
 * the size of the sequence counter type from BTF rounded up to the alignment of struct timekeeper, 8 on
 * x86-64 for its u64 members). An odd {@code seq} means the crash interrupted an update: then the
 * timekeeping CPU's working copy {@code shadow_timekeeper}, which is complete before it is published, is read
 * instead. The clock is the kernel's own readout ({@code ktime_get}: {@code tkr_mono.base +
 * ((cycles - tkr_mono.cycle_last) * mult + tkr_mono.xtime_nsec) >> shift}) at the last timekeeping update,
 * i.e. with no cycles elapsed since, plus {@link #UPDATE_MARGIN_NS}; boottime adds {@code offs_boot}.
 */
public final class DeadKernelClocks {
    /**
     * Added to the clock of the last timekeeping update, because the processes may have read the clock
     * (vDSO: the last update plus the cycles since) up to the crash, and the restored clocks must never read
     * less than that. On hardware the crash comes at most about one tick after the update (the panicking
     * CPU was running, and a running CPU's tick updates the timekeeper): 4 ms at Debian's HZ=250, 10 ms at
     * HZ=100. Under QEMU TCG ticks are late: the last update was 17-25 ms before the panic's first printk
     * in three dumps. 50 ms covers both; erring late only makes pending timed waits end up to that much
     * early, as a CRIU dump (which reads the clocks after freezing the tasks) does too.
     */
    static final long UPDATE_MARGIN_NS = 50_000_000L;
    /** Alignment of struct timekeeper on x86-64 (its widest members are u64/ktime_t). */
    static final long TIMEKEEPER_ALIGN = 8;
    /** Clocks beyond this (~100 years of uptime) are taken as corrupt. */
    static final long MAX_PLAUSIBLE_NS = 100L * 365 * 24 * 3600 * 1_000_000_000L;
    /** Largest plausible tk_read_base.shift (clocksource shifts are at most 32). */
    static final long MAX_SHIFT = 63;

    private DeadKernelClocks() {
    }

    /** What was read, and from which copy of the timekeeper. */
    public record Reading(ClockImage clocks, String source, long realtimeNs) {
    }

    /**
     * Reads the clocks at the crash.
     *
     * @throws RuntimeException (memory, symbol or type errors, or implausible values: one line naming what)
     */
    public static Reading read(DeadKernel kernel) {
        long tkCore = kernel.symbol("tk_core");
        long seqSize = kernel.types().sizeOf("seqcount_raw_spinlock");
        long offset = (seqSize + TIMEKEEPER_ALIGN - 1) / TIMEKEEPER_ALIGN * TIMEKEEPER_ALIGN;
        KObject seq = kernel.object("seqcount_raw_spinlock", tkCore);
        long sequence = seq.read("seqcount.sequence");
        KObject tk;
        String source;
        if ((sequence & 1) == 0) {
            tk = kernel.object("timekeeper", tkCore + offset);
            source = "tk_core.timekeeper";
        } else {
            tk = kernel.object("timekeeper", kernel.symbol("shadow_timekeeper"));
            source = "shadow_timekeeper (tk_core.seq " + sequence + " odd: update in progress)";
        }
        return fromTimekeeper(new Fields(tk.s64("tkr_mono.base"), tk.u64("tkr_mono.xtime_nsec"),
                tk.u32("tkr_mono.shift"), tk.s64("offs_boot"), tk.s64("offs_real")), source);
    }

    /** The timekeeper fields the clocks are computed from (ktime_t values in ns; xtime_nsec shifted). */
    record Fields(long monoBase, long xtimeNsecShifted, long shift, long offsBoot, long offsReal) {
    }

    static Reading fromTimekeeper(Fields f, String source) {
        if (f.shift() > MAX_SHIFT) {
            throw new IllegalStateException("dead kernel's timekeeper (" + source + "): tkr_mono.shift " + f.shift()
                    + " is implausible");
        }
        long mono = f.monoBase() + (f.xtimeNsecShifted() >>> f.shift()) + UPDATE_MARGIN_NS;
        long boot = mono + f.offsBoot();
        if (f.monoBase() < 0 || mono > MAX_PLAUSIBLE_NS || f.offsBoot() < 0 || boot > MAX_PLAUSIBLE_NS) {
            throw new IllegalStateException(String.format("dead kernel's timekeeper (%s): implausible clocks: "
                    + "tkr_mono.base %d ns, offs_boot %d ns", source, f.monoBase(), f.offsBoot()));
        }
        return new Reading(new ClockImage(mono, boot), source, mono + f.offsReal());
    }
}
