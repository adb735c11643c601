package org.otherworld.vmtest.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.otherworld.agent.json.Json;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.guest.GuestBuilder;
import org.otherworld.vmtest.guest.GuestImage;
import org.otherworld.vmtest.trial.Fault;
import org.otherworld.vmtest.trial.Trial;
import org.otherworld.vmtest.trial.Workload;
import org.otherworld.vmtest.trial.WorkloadRunner;
import org.otherworld.vmtest.vm.Accelerator;
import org.otherworld.vmtest.vm.Guest;
import org.otherworld.vmtest.vm.SerialConsole;
import org.otherworld.vmtest.vm.Timeline;

/**
 * {@code vm-test bench}: downtime breakdown of default trials, the cold-reboot and criu baselines, the
 * scaling trials and the steady-state overhead, all in one run on the same guest image. Every result
 * goes into {@code results.json} as soon as it is measured (a cut-short run keeps what it has); the
 * report ({@code performance.md} and its charts) is written from that file alone.
 */
public final class Bench {
    /** Name of the first-request probe workload of the default trials. */
    public static final String FIRST_REQUEST = "first-request";
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(300);

    /** What to run. */
    public record Options(Path out, int reps, List<Integer> memoryMiB, List<Integer> processes, List<Integer> threads,
                          int scalingReps, int overheadRounds, int overheadSeconds, String accel, List<String> steps,
                          boolean shortMode) {
        public static Options defaults(Path out, String accel) {
            return new Options(out, 5, List.of(16, 64, 256, 1024), List.of(1, 50, 200), List.of(1, 100, 500), 1, 5, 10, accel,
                    STEPS, false);
        }

        /** CI: every code path once, small points, no timing claims. */
        public static Options shortRun(Path out, String accel) {
            return new Options(out, 1, List.of(16), List.of(1), List.of(1, 4), 1, 1, 2, accel, STEPS, true);
        }

        boolean step(String s) {
            return steps.contains(s);
        }
    }

    public static final List<String> STEPS = List.of("breakdown", "baselines", "scaling", "overhead");

    private final Workspace ws;
    private final Consumer<String> log;
    private final Map<String, Object> results = new LinkedHashMap<>();
    private Path resultsFile;

    public Bench(Workspace ws, Consumer<String> log) {
        this.ws = ws;
        this.log = log;
    }

    public Map<String, Object> run(Options o) {
        try {
            Files.createDirectories(o.out());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        resultsFile = o.out().resolve("results.json");
        BenchTools tools = new BenchTools(o.out().resolve("tools"));
        tools.binary();
        GuestImage img = new GuestBuilder(ws, log).build();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("short", o.shortMode());
        cfg.put("reps", (long) o.reps());
        cfg.put("memory_mib", longs(o.memoryMiB()));
        cfg.put("processes", longs(o.processes()));
        cfg.put("threads", longs(o.threads()));
        cfg.put("scaling_reps", (long) o.scalingReps());
        cfg.put("overhead_rounds", (long) o.overheadRounds());
        cfg.put("overhead_seconds", (long) o.overheadSeconds());
        cfg.put("steps", o.steps());
        cfg.put("crashkernel", Guest.CRASHKERNEL);
        cfg.put("kernel", img.kernelRelease());
        cfg.put("host_cpus", (long) Runtime.getRuntime().availableProcessors());
        cfg.put("started", java.time.Instant.now().toString());
        results.put("config", cfg);
        results.put("accelerators", accelerators(img, o));
        save();
        if (o.step("breakdown")) {
            List<Object> trials = new ArrayList<>();
            results.put("default_trials", trials);
            for (int r = 1; r <= o.reps(); r++) {
                List<Workload> wl = new ArrayList<>();
                wl.add(tools.firstRequest());
                wl.addAll(Workload.demos());
                wl.addAll(Workload.sdkDemos());
                trials.add(trial(o, "default-" + r, 1024, wl, r));
                save();
            }
        }
        if (o.step("baselines") || o.step("overhead")) {
            new LiveGuest(ws, img, o, tools, log, this::save).run(results);
            save();
        }
        if (o.step("scaling")) {
            Map<String, Object> sc = new LinkedHashMap<>();
            results.put("scaling", sc);
            List<Object> mem = new ArrayList<>();
            List<Object> procs = new ArrayList<>();
            List<Object> thr = new ArrayList<>();
            sc.put("memory", mem);
            sc.put("processes", procs);
            sc.put("threads", thr);
            for (int r = 1; r <= o.scalingReps(); r++) {
                // a point shared by two axes (e.g. 16 MiB, 1 process, 1 thread) is run once per repetition
                Map<String, Map<String, Object>> done = new LinkedHashMap<>();
                for (int mib : o.memoryMiB()) {
                    Map<String, Object> p = point(o, tools, mib, 1, 1, mib, r, done);
                    mem.add(p);
                    save();
                    // the same process dumped by criu on a live guest of the same size: the ratio per size
                    p.put("criu_dump", new LiveGuest(ws, img, o, tools, log, this::save)
                            .criuDumpOf(tools.memory(mib, 1, 1), guestMemory(mib), dataDiskMiB(mib)));
                    save();
                }
                for (int n : o.processes()) {
                    procs.add(point(o, tools, SCALING_BASE_MIB, n, 1, n, r, done));
                    save();
                }
                for (int t : o.threads()) {
                    thr.add(point(o, tools, SCALING_BASE_MIB, 1, t, t, r, done));
                    save();
                }
            }
        }
        cfg.put("finished", java.time.Instant.now().toString());
        save();
        return results;
    }

    /** Runs {@code work} with guests booted meanwhile given a data disk of {@code mib} MiB. */
    static <T> T withDataDisk(int mib, java.util.function.Supplier<T> work) {
        System.setProperty(Guest.DATA_DISK_MIB, Integer.toString(mib));
        try {
            return work.get();
        } finally {
            System.clearProperty(Guest.DATA_DISK_MIB);
        }
    }

    /** Data disk for a process of {@code mib} MiB: the default 1024 MiB plus twice the process. */
    static int dataDiskMiB(int mib) {
        return mib <= 128 ? 1024 : 1024 + 2 * mib;
    }

    /** Guest memory for a process of {@code mib} MiB: the default 1024 MiB plus the process itself. */
    static int guestMemory(int mib) {
        return mib <= 128 ? 1024 : 1024 + mib;
    }

    /** Resident MiB of the first process on the process and thread axes. */
    static final int SCALING_BASE_MIB = 16;

    private Map<String, Object> point(Options o, BenchTools tools, int mib, int procs, int threads, int x, int rep,
                                      Map<String, Map<String, Object>> done) {
        Workload w = tools.memory(mib, procs, threads);
        Map<String, Object> r;
        if (done.containsKey(w.name())) {
            r = new LinkedHashMap<>(done.get(w.name()));
        } else {
            // the data disk holds the images (and the disk's 1 GiB default cannot hold a 1 GiB process's)
            r = withDataDisk(dataDiskMiB(mib), () -> trial(o, w.name() + "-" + rep, guestMemory(mib), List.of(w), rep));
            r.put("data_disk_mib", (long) dataDiskMiB(mib));
        }
        done.putIfAbsent(w.name(), r);
        r.put("x", (long) x);
        r.put("mib", (long) mib);
        r.put("procs", (long) procs);
        r.put("threads", (long) threads);
        return r;
    }

    /** One crash-and-resurrect trial, summarized for the bench. */
    private Map<String, Object> trial(Options o, String name, int memMiB, List<Workload> wl, int rep) {
        Path dir = o.out().resolve("trials").resolve(name);
        log.accept("bench: trial " + name + " (" + memMiB + " MiB guest, workloads " + BenchTools.names(wl) + ")");
        Map<String, Object> rep0 = new LinkedHashMap<>();
        rep0.put("name", name);
        rep0.put("rep", (long) rep);
        rep0.put("guest_mib", (long) memMiB);
        try {
            Map<String, Object> report = new Trial(ws, log).run(new Trial.Options(dir, memMiB, o.accel(), Fault.SYSRQ, wl, false));
            String console = Files.readString(dir.resolve("console.log"));
            rep0.putAll(summarize(report, console));
        } catch (IOException | RuntimeException e) {
            rep0.put("verdict", "error");
            rep0.put("error", String.valueOf(e.getMessage()).split("\n")[0]);
        }
        log.accept("bench: trial " + name + ": " + rep0.get("verdict") + " " + rep0.get("phases_ms"));
        return rep0;
    }

    /** What the bench keeps of a trial: verdict, phase breakdown, the agent's figures, crash-kernel memory. */
    static Map<String, Object> summarize(Map<String, Object> report, String console) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("verdict", report.get("verdict"));
        r.put("accel", report.get("accel"));
        r.put("phases_ms", Breakdown.of(report, console));
        Map<String, Object> agent = Breakdown.map(report.get("agent_report"));
        Map<String, Object> totals = Breakdown.map(agent.get("totals"));
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("phases_ms", agent.get("phases_ms"));
        a.put("processes", totals.get("processes"));
        a.put("resurrected", totals.get("resurrected"));
        a.put("pages", totals.get("pages"));
        a.put("image_mb", totals.get("image_mb"));
        a.put("zero_pages_skipped", totals.get("zero_pages_skipped"));
        a.put("flush_mb", totals.get("flush_mb"));
        a.put("mb_per_s", agent.get("mb_per_s"));
        a.put("peak_rss_kib", agent.get("peak_rss_kib"));
        r.put("agent", a);
        Markers.Boot crash = Markers.nth(Markers.parse(console), "CRASH", 0);
        Map<String, Object> ck = new LinkedHashMap<>();
        ck.put("vmcore_bytes", crash == null ? null : longOrNull(crash.attr("kernel-up", "vmcore_bytes")));
        ck.put("mem_available_kib_at_start", crash == null ? null : longOrNull(crash.attr("kernel-up", "mem_available_kib")));
        ck.put("mem_available_kib_after_agent", crash == null ? null : longOrNull(crash.attr("agent-exit", "mem_available_kib")));
        ck.put("agent_exit_code", crash == null ? null : longOrNull(crash.attr("agent-exit", "code")));
        ck.put("cpus", crash == null ? null : longOrNull(crash.attr("kernel-up", "cpus")));
        r.put("crash_kernel", ck);
        List<Object> checks = new ArrayList<>();
        if (report.get("processes") instanceof List<?> ps) {
            for (Object p : ps) {
                Map<String, Object> m = Breakdown.map(p);
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("name", m.get("name"));
                c.put("resurrected", m.get("resurrected"));
                c.put("state_check", m.get("state_check"));
                c.put("detail", m.get("detail") instanceof String d ? d.strip().lines().reduce((x, y) -> y).orElse("") : null);
                checks.add(c);
            }
        }
        r.put("workloads", checks);
        r.put("notes", report.get("notes"));
        return r;
    }

    static Long longOrNull(String s) {
        try {
            return s == null ? null : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Map<String, Object> accelerators(GuestImage img, Options o) {
        Map<String, Object> a = new LinkedHashMap<>();
        Path kvm = Path.of("/dev/kvm");
        Path probe = ws.cache().resolve("kvm-probe");
        String cached = null;
        try {
            cached = Files.isRegularFile(probe) ? Files.readString(probe).strip() : null;
        } catch (IOException ignored) {
            // unknown
        }
        a.put("requested", o.accel());
        a.put("dev_kvm", Files.exists(kvm) ? (Files.isReadable(kvm) && Files.isWritable(kvm) ? "accessible" : "not accessible")
                : "absent");
        a.put("kvm_probe_cached", cached);
        boolean kvmUsable = Files.isReadable(kvm) && Files.isWritable(kvm) && "KVM".equals(cached);
        a.put("kvm_usable", kvmUsable);
        a.put("kvm_vs_tcg", kvmUsable ? "KVM usable: rerun with --accel kvm and --accel tcg to compare"
                : "not measurable: " + (Files.exists(kvm) ? "/dev/kvm exists but a KVM guest does not boot on this host "
                + "(the harness's boot probe, cached in " + probe + ", answered " + cached + ")" : "no /dev/kvm on this host"));
        return a;
    }

    synchronized void save() {
        try {
            Files.writeString(resultsFile, Json.write(results));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + resultsFile, e);
        }
    }

    static List<Object> longs(List<Integer> l) {
        return l.stream().map(i -> (Object) (long) i).toList();
    }

    /** key=value pairs of one output line (numbers as Double, the rest as String). */
    static Map<String, Object> keyValues(String line) {
        Map<String, Object> m = new LinkedHashMap<>();
        Matcher x = Pattern.compile("([a-z_0-9]+)=(\\S+)").matcher(line);
        while (x.find()) {
            try {
                m.put(x.group(1), Double.parseDouble(x.group(2)));
            } catch (NumberFormatException e) {
                m.put(x.group(1), x.group(2));
            }
        }
        return m;
    }

    /** The console of a live guest, with host-timed commands. */
    static long timed(SerialConsole c, String cmd, Duration timeout, int[] exit, StringBuilder out) {
        long t0 = System.nanoTime();
        SerialConsole.CommandResult r = c.run(cmd, timeout);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        exit[0] = r.exit();
        if (out != null) {
            out.append(r.output());
        }
        return ms;
    }

    static Timeline timeline() {
        return new Timeline();
    }

    static Accelerator chooseAccel(String requested, Guest g, Workspace ws, Path dir, Consumer<String> log) {
        return Accelerator.choose(requested, g.spec(), ws.cache(), dir, log);
    }

    Workspace workspace() {
        return ws;
    }

    static WorkloadRunner runner(SerialConsole c, Consumer<String> log) {
        return new WorkloadRunner(c, log);
    }
}
