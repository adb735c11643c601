package org.otherworld.vmtest.campaign;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.otherworld.agent.json.Json;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.guest.GuestBuilder;
import org.otherworld.vmtest.trial.Trial;
import org.otherworld.vmtest.trial.Workload;

/**
 * A fault-injection campaign: plans N runs over the chosen fault types, runs each as a full trial
 * (boot, workloads, fault, crash kernel, hand-over, checks) in {@code DIR/runs/ID/}, classifies it,
 * appends one line to {@code DIR/results.jsonl}, and rewrites {@code DIR/report.md} and the chart
 * after every run. Rerunning the same command resumes: finished run ids are skipped.
 */
public final class Campaign {
    /** What to run. */
    public record Options(Path out, int runs, List<FaultType> types, long seed, int parallel, Duration runTimeout,
                          int memoryMiB, String accel, List<Workload> workloads, boolean keepVmcore, int vmSlots) {
        /** Without keeping vmcores and without taking VM slots. */
        public Options(Path out, int runs, List<FaultType> types, long seed, int parallel, Duration runTimeout,
                       int memoryMiB, String accel, List<Workload> workloads) {
            this(out, runs, types, seed, parallel, runTimeout, memoryMiB, accel, workloads, false, 0);
        }
    }

    /** The campaign's parameters, kept in DIR/campaign.json so {@code --resume} continues it as it began. */
    public static final String PARAMS = "campaign.json";

    private final Workspace ws;
    private final Consumer<String> log;

    public Campaign(Workspace ws, Consumer<String> log) {
        this.ws = ws;
        this.log = log;
    }

    /** What identifies a campaign (kept in {@link #PARAMS}); the run count and parallelism may change. */
    public static Map<String, Object> params(Options o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", o.seed());
        m.put("types", FaultType.labels(o.types()));
        m.put("workloads", o.workloads().stream().map(Workload::name).toList());
        m.put("memory_mib", (long) o.memoryMiB());
        m.put("keep_vmcore", o.keepVmcore());
        m.put("runs", (long) o.runs());
        return m;
    }

    /** The parameters a campaign directory was started with, or null if it has none. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> storedParams(Path out) {
        Path f = out.resolve(PARAMS);
        try {
            return Files.isRegularFile(f) ? (Map<String, Object>) Json.parse(Files.readString(f)) : null;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("unreadable " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses to mix two campaigns in one directory: an existing {@link #PARAMS} must name the same seed,
     * fault types, workloads and memory (run ids would otherwise mean other injections).
     */
    static void checkSameCampaign(Options o) {
        Map<String, Object> old = storedParams(o.out());
        if (old == null) {
            return;
        }
        Map<String, Object> now = params(o);
        for (String k : List.of("seed", "types", "workloads", "memory_mib")) {
            if (!String.valueOf(old.get(k)).equals(String.valueOf(now.get(k)))) {
                throw new IllegalArgumentException(o.out() + " holds a campaign with " + k + " " + old.get(k) + ", not "
                        + now.get(k) + ": use --resume to continue it as it was started, or another --out");
            }
        }
    }

    /** Runs what is not finished yet; returns all records (old and new). */
    public List<Map<String, Object>> run(Options o) {
        checkSameCampaign(o);
        try {
            Files.createDirectories(o.out());
            Files.writeString(o.out().resolve(PARAMS), Json.write(params(o)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + o.out().resolve(PARAMS), e);
        }
        ResultsFile results = new ResultsFile(o.out().resolve("results.jsonl"));
        List<RunPlan> plan = RunPlan.plan(o.runs(), o.types(), o.seed());
        Set<String> done = results.finishedIds();
        List<RunPlan> todo = plan.stream().filter(p -> !done.contains(p.id())).toList();
        log.accept("campaign: " + plan.size() + " runs planned, " + (plan.size() - todo.size()) + " already done, "
                + todo.size() + " to run, " + o.parallel() + " at a time");
        if (!todo.isEmpty()) {
            new GuestBuilder(ws, log).build(); // once, before guests run in parallel
        }
        VmSlots slots = new VmSlots(VmSlots.DEFAULT_PREFIX, o.vmSlots(), log);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, o.parallel()));
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (RunPlan p : todo) {
                fs.add(pool.submit(() -> {
                    Map<String, Object> rec;
                    try (VmSlots.Slot slot = slots.acquire(p.id())) {
                        rec = runOne(o, p);
                    }
                    results.append(rec);
                    synchronized (this) {
                        writeReport(o, results);
                    }
                    log.accept("campaign: " + p.id() + " -> " + rec.get("outcome_label"));
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("campaign interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("campaign run failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        writeReport(o, results);
        return results.latest();
    }

    /**
     * Classifies every recorded run again from its evidence in runs/ID (after the classifier improved),
     * keeping its duration and notes, and rewrites results.jsonl with one line per run.
     */
    public void reclassify(Options o) {
        ResultsFile results = new ResultsFile(o.out().resolve("results.jsonl"));
        Path tmp = o.out().resolve("results.jsonl.new");
        try {
            Files.deleteIfExists(tmp);
            ResultsFile fresh = new ResultsFile(tmp);
            for (Map<String, Object> old : results.latest()) {
                RunPlan p = new RunPlan(((Number) old.get("index")).intValue(), (String) old.get("run_id"),
                        FaultType.parse(String.valueOf(old.get("type"))), ((Number) old.get("seed")).longValue());
                Map<String, Object> r = record(p, o.out().resolve(String.valueOf(old.get("evidence"))),
                        ((Number) old.get("duration_s")).longValue(), (String) old.get("run_note"));
                r.put("finished", old.get("finished"));
                if (old.get("vmcore") != null) {
                    r.put("vmcore", old.get("vmcore"));
                }
                if (!String.valueOf(old.get("outcome_label")).equals(r.get("outcome_label"))) {
                    log.accept("reclassified " + p.id() + ": " + old.get("outcome_label") + " -> " + r.get("outcome_label"));
                }
                fresh.append(r);
            }
            Files.move(tmp, results.path(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + results.path(), e);
        }
    }

    /** Regenerates report.md and the chart from results.jsonl. */
    public void writeReport(Options o, ResultsFile results) {
        List<Map<String, Object>> recs = new ArrayList<>(results.latest());
        recs.sort(Comparator.comparingLong(r -> ((Number) r.getOrDefault("index", 0L)).longValue()));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("written", Instant.now().toString().replaceAll("\\.\\d+Z", "Z"));
        meta.put("campaign seed", o.seed());
        meta.put("fault types", String.join(", ", FaultType.labels(o.types())));
        meta.put("runs planned", o.runs());
        if (!recs.isEmpty()) {
            meta.put("kernel", recs.get(0).get("kernel"));
            meta.put("accelerator", recs.get(0).get("accel"));
        }
        meta.put("workloads", String.join(", ", o.workloads().stream().map(Workload::name).toList()));
        meta.put("evidence", "runs/ID/ (console.log, report.json, summary.txt, injection.log for gdb runs)" + (o.keepVmcore()
                ? "; runs/ID/vmcore (sparse raw ELF) for runs that failed after the crash kernel booted (--keep-vmcore)"
                : "; vmcores are not kept (--keep-vmcore keeps those of failed runs)"));
        meta.put("trigger", "module faults fire only in a dedicated trigger process (a shell writing /data/ow-trigger/t every "
                + "0.1 s), so the workloads are innocent bystanders; gdb bit flips land wherever the CPU is");
        CampaignReport.write(o.out(), recs, meta);
    }

    private Map<String, Object> runOne(Options o, RunPlan p) {
        Path dir = o.out().resolve("runs").resolve(p.id());
        clean(dir);
        log.accept("campaign: run " + p.id() + " seed " + p.seed() + " (" + p.type().description() + ")");
        long t0 = System.nanoTime();
        Trial.Injection inj = Injections.of(p, dir, log, o.keepVmcore());
        Trial.Options to = new Trial.Options(dir, o.memoryMiB(), o.accel(), null, o.workloads(), false, inj);
        ExecutorService one = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "trial-" + p.id());
            t.setDaemon(true);
            return t;
        });
        String timeoutNote = null;
        try {
            Future<Map<String, Object>> f = one.submit(() -> new Trial(ws, log).run(to));
            try {
                f.get(o.runTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                timeoutNote = "the run exceeded its time bound of " + o.runTimeout().toSeconds() + " s and was stopped";
                f.cancel(true); // interrupts the trial's waits; the trial then kills its guest and writes its report
                one.shutdown();
                one.awaitTermination(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                timeoutNote = "the trial failed: " + String.valueOf(e.getCause().getMessage()).split("\n")[0];
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            one.shutdownNow();
        }
        Map<String, Object> rec = record(p, dir, (System.nanoTime() - t0) / 1_000_000_000L, timeoutNote);
        keepVmcoreOfFailures(rec, dir, log);
        return rec;
    }

    /** The vmcore (if the crash kernel copied one) stays only for a run that failed; its path is recorded. */
    static void keepVmcoreOfFailures(Map<String, Object> rec, Path dir, Consumer<String> log) {
        Path core = dir.resolve(Trial.VMCORE);
        if (!Files.exists(core)) {
            return;
        }
        Outcome out = Outcome.parse(String.valueOf(rec.get("outcome")));
        try {
            if (out.success() || out == Outcome.NOT_MANIFESTED || out == Outcome.INVALID) {
                Files.delete(core);
            } else {
                rec.put("vmcore", rec.get("evidence") + "/" + Trial.VMCORE);
                log.accept("campaign: kept the vmcore of " + rec.get("run_id") + " in " + core);
            }
        } catch (IOException e) {
            log.accept("campaign: cannot delete " + core + ": " + e.getMessage());
        }
    }

    /** Reads a finished run's evidence and classifies it. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> record(RunPlan p, Path dir, long seconds, String extraNote) {
        Map<String, Object> report = null;
        try {
            Path rj = dir.resolve("report.json");
            if (Files.isRegularFile(rj)) {
                report = (Map<String, Object>) Json.parse(Files.readString(rj));
            }
        } catch (IOException | IllegalArgumentException e) {
            report = null;
        }
        String console = read(dir.resolve("console.log"));
        Classification c = OutcomeClassifier.classify(report, console);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("run_id", p.id());
        r.put("index", (long) p.index());
        r.put("type", p.type().label());
        r.put("kind", p.type().kind().name().toLowerCase());
        r.put("seed", p.seed());
        r.put("outcome", c.outcome().name());
        r.put("outcome_label", c.describe());
        r.put("phase", c.phase());
        r.put("cause", extraNote != null && c.cause() == null ? extraNote : c.cause());
        r.put("symptom", c.symptom());
        r.put("injection", injection(p, dir, console));
        r.put("workload_failures", report == null || !c.outcome().crashKernelBooted() ? List.of()
                : OutcomeClassifier.workloadFailures(report, console).stream().map(OutcomeClassifier.WorkloadFailure::describe).toList());
        r.put("verdict", report == null ? null : report.get("verdict"));
        r.put("kernel", report == null ? null : report.get("kernel"));
        r.put("accel", report == null ? null : report.get("accel"));
        r.put("notes", report == null ? List.of() : report.get("notes"));
        if (extraNote != null) {
            r.put("run_note", extraNote);
        }
        r.put("duration_s", seconds);
        if (report != null && report.get("phases_ms") instanceof Map<?, ?> ph) {
            r.put("phases_ms", ph);
        }
        r.put("evidence", "runs/" + p.id());
        r.put("finished", Instant.now().toString());
        return r;
    }

    private static final Pattern MODULE_LOG = Pattern.compile("ow_fault: (?!armed|injecting|firing)([a-z-]+: .*)");

    /** What was actually injected: the module's pr_emerg line, the gdb injector's flip, or the hang type. */
    static String injection(RunPlan p, Path dir, String console) {
        if (p.type().kind() == FaultType.Kind.GDB) {
            String l = read(dir.resolve("injection.log")).strip();
            String[] lines = l.split("\n");
            return l.isEmpty() ? "gdb injector did not run" : lines[lines.length - 1] + " (" + lines.length + " attempts)";
        }
        Matcher m = MODULE_LOG.matcher(console);
        if (m.find()) {
            return m.group(1).strip();
        }
        if (p.type().kind() == FaultType.Kind.MODULE) {
            return console.contains("ow_fault: armed") ? "armed, never fired (too few matching writes)" : "module not armed";
        }
        return p.type().label();
    }

    private static String read(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void clean(Path dir) {
        try {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.walk(dir)) {
                    for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(f);
                    }
                }
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
    }
}
