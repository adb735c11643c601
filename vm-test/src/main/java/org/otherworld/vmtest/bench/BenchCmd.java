package org.otherworld.vmtest.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.otherworld.agent.json.Json;
import org.otherworld.vmtest.Main;
import org.otherworld.vmtest.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vm-test bench}: runs the benchmark and writes performance.md next to its results.json. */
@Command(name = "bench", description = "Performance: downtime breakdown, cold-reboot and criu baselines, scaling, "
        + "steady-state overhead; writes results.json, performance.md and PNG charts.")
public final class BenchCmd implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "out/bench", description = "Run directory (default ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--report-dir", description = "Where performance.md and the charts go (default: the run directory).")
    Path reportDir;
    @Option(names = "--short", description = "CI smoke run: every step once with small points (timings not meaningful).")
    boolean shortMode;
    @Option(names = "--reps", description = "Repetitions of the default trial, cold reboot and criu cycle (default 5).")
    Integer reps;
    @Option(names = "--memory-points", split = ",", description = "Resident MiB of the scaling process (default 16,64,256,1024).")
    List<Integer> memory;
    @Option(names = "--process-points", split = ",", description = "Process counts (default 1,50,200).")
    List<Integer> processes;
    @Option(names = "--thread-points", split = ",", description = "Thread counts in one process (default 1,100,500).")
    List<Integer> threads;
    @Option(names = "--scaling-reps", description = "Repetitions of each scaling point (default 1).")
    Integer scalingReps;
    @Option(names = "--overhead-rounds", description = "Armed/unarmed rounds (default 5).")
    Integer overheadRounds;
    @Option(names = "--overhead-seconds", description = "Seconds of load per server and mode (default 10).")
    Integer overheadSeconds;
    @Option(names = "--steps", split = ",", description = "Steps to run (default all): breakdown, baselines, scaling, overhead.")
    List<String> steps = new ArrayList<>();
    @Option(names = "--accel", defaultValue = "${env:OTHERWORLD_ACCEL:-auto}", description = "kvm, tcg or auto (default ${DEFAULT-VALUE}).")
    String accel;
    @Option(names = "--report-only", description = "Only write performance.md and the charts from OUT/results.json.")
    boolean reportOnly;

    Bench.Options options() {
        Bench.Options d = shortMode ? Bench.Options.shortRun(out, accel) : Bench.Options.defaults(out, accel);
        for (String s : steps) {
            if (!Bench.STEPS.contains(s)) {
                throw new IllegalArgumentException("unknown step '" + s + "' (" + String.join(", ", Bench.STEPS) + ")");
            }
        }
        return new Bench.Options(out, pos(reps, d.reps(), "--reps"), points(memory, d.memoryMiB()), points(processes, d.processes()),
                points(threads, d.threads()), pos(scalingReps, d.scalingReps(), "--scaling-reps"),
                pos(overheadRounds, d.overheadRounds(), "--overhead-rounds"), pos(overheadSeconds, d.overheadSeconds(), "--overhead-seconds"),
                accel, steps.isEmpty() ? d.steps() : List.copyOf(steps), shortMode);
    }

    private static int pos(Integer v, int dflt, String name) {
        if (v != null && v < 1) {
            throw new IllegalArgumentException(name + " must be at least 1: " + v);
        }
        return v == null ? dflt : v;
    }

    private static List<Integer> points(List<Integer> v, List<Integer> dflt) {
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        for (int x : v) {
            if (x < 1) {
                throw new IllegalArgumentException("scaling points must be at least 1: " + x);
            }
        }
        return List.copyOf(v);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        Map<String, Object> results;
        if (reportOnly) {
            results = (Map<String, Object>) Json.parse(Files.readString(out.resolve("results.json")));
        } else {
            results = new Bench(Workspace.detect(), Main::progress).run(options());
        }
        Path md = BenchReport.write(results, reportDir == null ? out : reportDir);
        if (reportDir != null && !reportDir.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            Files.copy(out.resolve("results.json"), reportDir.resolve("performance-results.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Main.progress("report: " + md);
        return 0;
    }
}
