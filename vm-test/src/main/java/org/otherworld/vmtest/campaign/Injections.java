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

    private Injections() {
    }

    /** The console command of a run (gdb runs only set the detectors: their fault comes from the host). */
    public static String command(RunPlan run) {
        return switch (run.type().kind()) {
            case MODULE -> DETECTORS + "; " + INSMOD + " && echo '" + run.type().label() + " " + run.seed() + "' > /proc/ow_fault";
            case GDB -> DETECTORS;
            case HANG -> switch (run.type()) {
                case SOFTLOCKUP -> DETECTORS + "; " + INSMOD + " && (echo softlockup > /proc/ow_fault &)";
                case HARDLOCKUP -> DETECTORS + "; " + INSMOD + " && (echo hardlockup > /proc/ow_fault &)";
                default -> DETECTORS + "; " + Fault.HANG.command();
            };
        };
    }

    /** The trial injection of a run; gdb runs get a free loopback port and a {@link GdbInjector} logging to runDir. */
    public static Trial.Injection of(RunPlan run, Path runDir, Consumer<String> log) {
        String label = run.type().label() + " seed=" + run.seed();
        if (run.type().kind() == FaultType.Kind.GDB) {
            int port = GdbInjector.freePort();
            GdbInjector.Target target = run.type() == FaultType.GDB_REG ? GdbInjector.Target.REGISTER
                    : GdbInjector.Target.STACK_MEMORY;
            GdbInjector inj = new GdbInjector(port, GdbInjector.plan(run.seed(), target), runDir.resolve("injection.log"), log);
            return new Trial.Injection(label, command(run), GdbInjector.qemuArgs(port), run.type().manifestBound(), inj);
        }
        return new Trial.Injection(label, command(run), List.of(), run.type().manifestBound(), null);
    }
}
