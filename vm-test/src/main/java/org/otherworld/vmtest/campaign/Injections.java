package org.otherworld.vmtest.campaign;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.otherworld.vmtest.trial.Fault;
import org.otherworld.vmtest.trial.Trial;

/** Turns a planned run into the trial's {@link Trial.Injection}: the guest command, QEMU arguments, host action. */
public final class Injections {
    /**
     * Detector settings for every run: an oops, a soft lockup, a hung task (after 20 s) and a hard lockup
     * all panic, so a fault that the kernel detects ends in kdump; the watchdogs' state is printed so the
     * console shows whether an NMI watchdog exists at all (under TCG there is no PMU for it).
     */
    static final String DETECTORS = "echo 1 > /proc/sys/kernel/panic_on_oops; echo 1 > /proc/sys/kernel/softlockup_panic;"
            + " echo 1 > /proc/sys/kernel/hung_task_panic; echo 20 > /proc/sys/kernel/hung_task_timeout_secs;"
            + " echo 1 > /proc/sys/kernel/hardlockup_panic 2>/dev/null;"
            + " echo OW-WATCHDOG nmi_watchdog=$(cat /proc/sys/kernel/nmi_watchdog 2>/dev/null)"
            + " watchdog=$(cat /proc/sys/kernel/watchdog 2>/dev/null)";
    static final String INSMOD = "insmod /opt/ow/kmod/ow_fault.ko";
    /** Where the trigger process writes (on the ext4 data disk, the file system the module counts). */
    static final String TRIGGER_DIR = "/data/ow-trigger";
    static final String PROC = "/proc/ow_fault";
    /**
     * Faults per module run: consecutive writes of the trigger are perturbed, each with fresh seeded
     * choices, as Otherworld injected 30 faults per experiment (one fault alone rarely manifests: 7 of 7
     * module runs with a single fault did not in the first validation campaign).
     */
    static final int REPEAT = 30;

    private Injections() {
    }

    /** The console command of a run (gdb runs only set the detectors: their fault comes from the host). */
    public static String command(RunPlan run) {
        return switch (run.type().kind()) {
            case MODULE -> DETECTORS + "; " + INSMOD + "; " + armWithTrigger(run.type().label() + " " + run.seed(),
                    TRIGGER_DIR, PROC);
            case GDB -> DETECTORS;
            case HANG -> switch (run.type()) {
                case SOFTLOCKUP -> DETECTORS + "; " + INSMOD + " && (echo softlockup > /proc/ow_fault &)";
                case HARDLOCKUP -> DETECTORS + "; " + INSMOD + " && (echo hardlockup > /proc/ow_fault &)";
                default -> DETECTORS + "; " + Fault.HANG.command();
            };
        };
    }

    /**
     * Starts the trigger process and arms the module for it: a shell (its own process, child of the
     * console shell, in no workload's session) that only writes {@code dir/t} every 0.1 s, so the kernel
     * path the fault is armed in (vfs_write) runs in its context; the module counts only its writes (the
     * pid is the 4th field, DELAY_HITS 0 = the seed's default, then {@link #REPEAT} faults), so it is the faulty process and the
     * workloads are innocent bystanders. The trigger's pid is also kept in {@code dir/pid}.
     */
    static String armWithTrigger(String typeAndSeed, String dir, String proc) {
        return "mkdir -p " + dir + "; (exec sh -c 'while :; do echo x > " + dir + "/t; sleep 0.1; done' </dev/null >/dev/null"
                + " 2>&1) & echo $! > " + dir + "/pid; echo \"" + typeAndSeed + " 0 $! " + REPEAT + "\" > " + proc;
    }

    /** The trial injection of a run; gdb runs get a free loopback port and a {@link GdbInjector} logging to runDir. */
    public static Trial.Injection of(RunPlan run, Path runDir, Consumer<String> log) {
        return of(run, runDir, log, false);
    }

    /** As {@link #of(RunPlan, Path, Consumer)}; with keepVmcore the crash kernel copies the vmcore first. */
    public static Trial.Injection of(RunPlan run, Path runDir, Consumer<String> log, boolean keepVmcore) {
        String label = run.type().label() + " seed=" + run.seed();
        if (run.type().kind() == FaultType.Kind.GDB) {
            int port = GdbInjector.freePort();
            GdbInjector.Target target = run.type() == FaultType.GDB_REG ? GdbInjector.Target.REGISTER
                    : GdbInjector.Target.STACK_MEMORY;
            GdbInjector inj = new GdbInjector(port, GdbInjector.plan(run.seed(), target), runDir.resolve("injection.log"), log);
            return new Trial.Injection(label, command(run), GdbInjector.qemuArgs(port), run.type().manifestBound(), inj,
                    keepVmcore);
        }
        return new Trial.Injection(label, command(run), List.of(), run.type().manifestBound(), null, keepVmcore);
    }
}
