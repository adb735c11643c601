package org.otherworld.agent.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.otherworld.agent.plan.Planner;
import org.otherworld.agent.plan.Resurrector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The crash kernel's step: vmcore to CRIU image sets, dirty page cache written back, report. */
@Command(name = "resurrect", description = "In the crash kernel: read the vmcore, write one CRIU image set per "
        + "resurrectable process tree, write back dirty file data, and write OUT/report.json.")
final class Resurrect implements Callable<Integer> {
    @Option(names = "--vmcore", defaultValue = "/proc/vmcore", description = "The dump (default ${DEFAULT-VALUE}).")
    Path vmcore;
    @Option(names = "--out", required = true, description = "Output directory: OUT/<root pid>/ image sets, report.json.")
    Path out;
    @Option(names = "--state-dir", description = "The SDK state directory of the dead system as mounted here "
            + "(registrations/); default: none, no process has a crash procedure.")
    Path stateDir;
    @Option(names = "--profile", description = "Directory with System.map and btf saved at arm time (kernels before 6.0).")
    Path profile;
    @Option(names = "--policy", description = "System-process policy file (default: the built-in one).")
    Path policy;
    @Option(names = "--flush-root", defaultValue = "/", description = "Where the dead kernel's paths are rooted here "
            + "for the write-back of dirty file data (default ${DEFAULT-VALUE}).")
    Path flushRoot;
    @Option(names = "--jobs", defaultValue = "0", description = "How many processes are read, and process trees written, at once "
            + "(default 0: one per CPU).")
    int jobs;
    @Option(names = "--no-flush", description = "Do not write back dirty file data.")
    boolean noFlush;
    @Option(names = "--resurrect-faulty", description = "Resurrect the faulty process even without a crash procedure.")
    boolean resurrectFaulty;
    @Option(names = "--allow-partial", description = "Resurrect processes with unrestored resources even without a "
            + "crash procedure.")
    boolean allowPartial;

    @Override
    public Integer call() throws Exception {
        JvmStart.log("resurrect", System.err::println);
        Resurrector.Options o = new Resurrector.Options(vmcore, out, stateDir, policy, noFlush ? null : flushRoot,
                new Planner.Config(resurrectFaulty, allowPartial), profile, jobs);
        try {
            new Resurrector(o, System.err::println).run();
            return 0;
        } catch (Resurrector.NothingDone e) {
            System.err.println("otherworld resurrect: " + e.getMessage());
            return 1;
        }
    }
}
