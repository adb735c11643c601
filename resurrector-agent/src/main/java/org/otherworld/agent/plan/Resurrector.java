package org.otherworld.agent.plan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.otherworld.agent.files.DirtyPages;
import org.otherworld.agent.files.FilesContext;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.files.PageCache;
import org.otherworld.agent.images.ClockImage;
import org.otherworld.agent.images.ImageWriter;
import org.otherworld.agent.images.IpcNamespaceImage;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.images.ProcessImage;
import org.otherworld.agent.images.VmaImage;
import org.otherworld.agent.images.WriteResult;
import org.otherworld.agent.images.XsaveLayout;
import org.otherworld.agent.json.Json;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.restore.DirtyPageWriter;
import org.otherworld.agent.restore.FileSizeReconciler;
import org.otherworld.agent.restore.ImageSetEntry;
import org.otherworld.agent.restore.RestoreScript;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.ProcessReader;
import org.otherworld.agent.task.ThreadModel;
import org.otherworld.agent.task.Vma;
import org.otherworld.agent.vmcore.CpuState;

/**
 * The crash kernel's work: vmcore -&gt; process models -&gt; plans -&gt; one CRIU image set per tree in
 * {@code OUT/<root pid>/} (pages streamed from the dump) -&gt; dirty page cache written back -&gt;
 * {@code OUT/report.json}. One bad process or tree never stops the others.
 */
public final class Resurrector {
    /** PAGE_MAPPING_ANON: bit 0 of struct page's mapping marks an anonymous page (include/linux/page-flags.h). */
    public static final long PAGE_MAPPING_ANON = 1;
    /** Largest pid, to bound retries. */
    private static final int MAX_RETRIES = 64;

    /**
     * What to do.
     *
     * @param vmcore     the dump
     * @param out        the output directory (image sets and report)
     * @param stateDir   the SDK state directory as seen from here (registrations), or null
     * @param policyFile the system-process policy, or null for the default
     * @param flushRoot  where the dead kernel's paths are rooted here, or null to skip the write-back
     * @param config     rule switches
     * @param jobs       how many processes are read, and trees written, at once; 0: one per CPU
     */
    public record Options(Path vmcore, Path out, Path stateDir, Path policyFile, Path flushRoot, Planner.Config config,
                          Path profile, int jobs) {
        public Options {
            if (jobs < 0) {
                throw new IllegalArgumentException("jobs must be 0 (one per CPU) or more, not " + jobs);
            }
        }

        /** One tree writer per CPU. */
        public Options(Path vmcore, Path out, Path stateDir, Path policyFile, Path flushRoot, Planner.Config config,
                       Path profile) {
            this(vmcore, out, stateDir, policyFile, flushRoot, config, profile, 0);
        }

        /** Without a profile (Linux 6.0+: symbols and types come from the vmcore itself). */
        public Options(Path vmcore, Path out, Path stateDir, Path policyFile, Path flushRoot, Planner.Config config) {
            this(vmcore, out, stateDir, policyFile, flushRoot, config, null);
        }
    }

    private final Options o;
    private final Consumer<String> log;
    /**
     * Time spent streaming pages (dump reads, page-table walks, pages-N.img writes), summed over the
     * tree writers.
     */
    private final LongAdder pagesNanos = new LongAdder();
    /** Of {@link #pagesNanos}: the bulk reads out of the dump, and the writes of the runs into pages-N.img. */
    private final LongAdder pagesReadNanos = new LongAdder(), pagesWriteNanos = new LongAdder();

    public Resurrector(Options o, Consumer<String> log) {
        this.o = o;
        this.log = log;
    }

    /** Thrown when nothing at all could be done (the dump cannot be opened). */
    public static final class NothingDone extends Exception {
        public NothingDone(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Runs everything and returns the report (also written to OUT/report.json). */
    public Map<String, Object> run() throws IOException, NothingDone {
        Files.createDirectories(o.out());
        clearPrevious(o.out());
        long t0 = System.nanoTime();
        Map<String, Object> phases = new LinkedHashMap<>();
        Map<String, Object> report = new LinkedHashMap<>();
        DeadKernel kernel;
        try {
            kernel = DeadKernel.open(o.vmcore(), o.profile());
        } catch (IOException | RuntimeException e) {
            throw new NothingDone("cannot open " + o.vmcore() + ": " + e.getMessage(), e);
        }
        try (kernel) {
            long t1 = mark(phases, "open", t0);
            Map<String, Object> detail = new LinkedHashMap<>();
            kernel.openTimings().forEach((k, v) -> detail.put("open_" + k, v));
            report.put("status", "complete");
            report.put("kernel", kernel.release());
            String crashTime = kernel.info().findCrashTime().stream()
                    .mapToObj(s -> Instant.ofEpochSecond(s).toString()).findFirst().orElse(null);
            report.put("crash_time", crashTime);
            ClockImage clocks = clocks(kernel, report);

            List<ProcessModel> models = readProcesses(kernel, detail);
            long t2 = mark(phases, "read", t1);

            CrashContext crash = CrashContext.decide(CrashInfo.read(kernel), panicCpu(kernel), kernel.cpus());
            Set<Integer> faultyTids = crash.faultyTids();
            Map<Integer, Long> liveFsBase = new HashMap<>();
            for (CpuState c : kernel.cpus()) {
                if (c.pid() > 0) {
                    liveFsBase.put(c.pid(), c.fsBase());
                }
            }
            report.put("panic_cpu", crash.panicCpu() < 0 ? null : (long) crash.panicCpu());
            report.put("faulty_tids", faultyTids.stream().sorted().map(Integer::longValue).toList());
            report.put("crash", crash.json());
            String panicMessage = crash.panicMessage();
            SystemPolicy policy = o.policyFile() == null ? SystemPolicy.defaults() : SystemPolicy.load(o.policyFile());
            Registrations regs = Registrations.load(o.stateDir(), MmRegistrationSource.of(kernel));
            report.put("state_dir", o.stateDir() == null ? null : o.stateDir().toString());
            report.put("registrations", (long) regs.records());
            report.put("registration_errors", regs.errors());
            report.put("kernel_registrations", regs.kernelSource());
            report.put("policy", policy.source());
            DeadKernelIpc ipc = new DeadKernelIpc(kernel);
            Planner planner = new Planner(policy, regs, new DeadKernelFileSystems(kernel), o.config(),
                    new DeadKernelSockets(kernel), ipc);
            Planner.Result plan = planner.plan(models, faultyTids);
            long t3 = mark(phases, "plan", t2);
            Map<String, Object> local = new LinkedHashMap<>();
            local.put("pairs", (long) plan.connections().pairs());
            local.put("acked_bytes", plan.connections().acked());
            local.put("delivered_bytes", plan.connections().delivered());
            report.put("local_tcp_connections", local);

            ImageMapper mapper = new ImageMapper(task -> robustList(kernel, task), liveFsBase);
            XsaveLayout layout = layoutOf(models);
            Map<Integer, String> errors = new ConcurrentHashMap<>();
            Map<Integer, Integer> treeOf = new ConcurrentHashMap<>();
            Supplier<KernelVdso> vdso = KernelVdso.lazy(kernel); // read at most once per run
            List<Object> trees = new ArrayList<>();
            long imageBytes = 0;
            long pagesTotal = 0;
            long zeroPagesTotal = 0;
            long pagesFiles = 0, pagesFilesDirect = 0;
            String directRefused = null;
            long treesStart = System.nanoTime();
            detail.put("images_prepare", (treesStart - t3) / 1_000_000);
            List<ImageSetEntry> sets = new ArrayList<>();
            int jobs = jobs(o.jobs(), plan.trees().size());
            detail.put("images_tree_writers", (long) jobs);
            List<TreeResult> treeResults = inParallel(plan.trees(), jobs, "tree-writer", tree -> {
                List<ImageSetEntry> set = new ArrayList<>(1);
                Map<String, Object> tr = writeTree(kernel, vdso, ipc, mapper, layout, tree, crashTime, panicMessage,
                        clocks, errors, treeOf, set);
                return new TreeResult(tr, set);
            });
            Map<Integer, List<String>> splitShmem = SharedAnonMemory.sharedAcrossTrees(plan.trees());
            for (TreeResult w : treeResults) {
                Map<String, Object> tr = w.report();
                List<String> split = splitShmem.get(((Long) tr.get("root")).intValue());
                if (split != null) {
                    tr.put("warnings", split);
                    split.forEach(x -> log.accept("tree " + tr.get("root") + ": " + x));
                }
                sets.addAll(w.set());
                trees.add(tr);
                imageBytes += (Long) tr.getOrDefault("bytes", 0L);
                pagesTotal += (Long) tr.getOrDefault("pages", 0L);
                zeroPagesTotal += (Long) tr.getOrDefault("zero_pages_skipped", 0L);
                pagesFiles += (Long) tr.getOrDefault("pages_files", 0L);
                pagesFilesDirect += (Long) tr.getOrDefault("pages_files_direct", 0L);
                directRefused = directRefused != null ? directRefused : (String) tr.get("pages_direct_refused");
            }
            long scriptStart = System.nanoTime();
            detail.put("images_trees", (scriptStart - treesStart) / 1_000_000);
            try {
                report.put("restore_script_sets", (long) RestoreScript.write(o.out(), sets));
            } catch (IOException | RuntimeException e) {
                // the restore tool still restores every set itself (the JVM path)
                report.put("restore_script_error", oneLine(e));
                log.accept("restore script not written: " + oneLine(e));
            }
            detail.put("images_restore_script", (System.nanoTime() - scriptStart) / 1_000_000);
            long t4 = mark(phases, "images", t3);

            Map<String, Object> flush = new LinkedHashMap<>();
            long flushBytes = 0;
            if (o.flushRoot() != null) {
                flushBytes = flush(kernel, flush, plan.processes());
            } else {
                flush.put("skipped", true);
            }
            long t5 = mark(phases, "flush", t4);
            phases.put("total", (t5 - t0) / 1_000_000);

            List<Object> procs = new ArrayList<>();
            int resurrected = 0;
            for (ProcessPlan p : plan.processes()) {
                boolean ok = p.resurrect() && treeOf.containsKey(p.pid()) && !errors.containsKey(p.pid());
                resurrected += ok ? 1 : 0;
                procs.add(processJson(p, ok, treeOf.get(p.pid()), errors.get(p.pid())));
            }
            report.put("registration_notes", regs.notes());
            report.put("processes", procs);
            report.put("trees", trees);
            report.put("flush", flush);
            Map<String, Object> totals = new LinkedHashMap<>();
            totals.put("processes", (long) plan.processes().size());
            totals.put("resurrected", (long) resurrected);
            totals.put("trees", (long) treeOf.values().stream().distinct().count());
            totals.put("pages", pagesTotal);
            totals.put("zero_pages_skipped", zeroPagesTotal);
            totals.put("pages_files", pagesFiles);
            totals.put("pages_files_direct", pagesFilesDirect); // written with O_DIRECT
            if (directRefused != null) {
                totals.put("pages_direct_refused", directRefused);
            }
            totals.put("image_mb", mb(imageBytes));
            totals.put("flush_mb", mb(flushBytes));
            report.put("totals", totals);
            report.put("phases_ms", phases);
            long pagesNs = pagesNanos.sum();
            detail.put("images_pages", pagesNs / 1_000_000);
            detail.put("images_pages_read", pagesReadNanos.sum() / 1_000_000);
            detail.put("images_pages_write", pagesWriteNanos.sum() / 1_000_000);
            detail.put("images_pages_mb_per_s", pagesNs == 0 ? null
                    : Math.round(pagesTotal * 4096 / 1048576.0 / (pagesNs / 1e9) * 100) / 100.0);
            report.put("detail_ms", detail);
            double written = mb(imageBytes + flushBytes);
            long ioMs = (Long) phases.get("images") + (Long) phases.get("flush");
            report.put("mb_written", written);
            report.put("mb_per_s", ioMs == 0 ? null : Math.round(written * 1000.0 / ioMs * 100) / 100.0);
            report.put("peak_rss_kib", peakRssKib(Path.of("/proc/self/status")));
            report.put("class_data_archive", classDataArchive(Path.of("/proc/self/maps")));
            Files.writeString(o.out().resolve("report.json"), Json.write(report));
            log.accept("resurrect: " + resurrected + " of " + plan.processes().size() + " processes in "
                    + totals.get("trees") + " trees; images " + mb1(imageBytes) + " MB, flushed " + mb1(flushBytes)
                    + " MB; " + phases.get("total") + " ms");
            return report;
        }
    }

    /**
     * The dead kernel's monotonic and boot-time clocks at the crash, written with every tree so that its
     * processes' clocks continue from there (report {@code clocks}); null (with the error in the report)
     * when the timekeeper cannot be read: the trees are then restored on the fresh kernel's clocks.
     */
    private ClockImage clocks(DeadKernel kernel, Map<String, Object> report) {
        Map<String, Object> c = new LinkedHashMap<>();
        report.put("clocks", c);
        try {
            DeadKernelClocks.Reading r = DeadKernelClocks.read(kernel);
            c.put("monotonic_ns", r.clocks().monotonicNs());
            c.put("boottime_ns", r.clocks().boottimeNs());
            c.put("realtime_ns", r.realtimeNs());
            c.put("source", r.source());
            return r.clocks();
        } catch (RuntimeException e) {
            c.put("error", oneLine(e));
            log.accept("clocks: cannot read the dead kernel's timekeeper: " + oneLine(e));
            return null;
        }
    }

    private static long mark(Map<String, Object> phases, String name, long since) {
        long now = System.nanoTime();
        phases.put(name, (now - since) / 1_000_000);
        return now;
    }

    /** The agent's own peak resident set (VmHWM of /proc/self/status) in KiB, or null where unknown. */
    static Long peakRssKib(Path status) {
        try {
            for (String l : Files.readAllLines(status)) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.substring(6).replace("kB", "").strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not on Linux, or an unexpected format: unknown
        }
        return null;
    }

    /**
     * The class-data sharing archive this JVM mapped (the agent's own in the crash kernel, see
     * crash-kernel/otherworld), from {@code maps}; "none" when none is mapped (an archive that did not
     * match its jar is silently ignored by -Xshare:auto: this is how a trial sees it), null if unknown.
     */
    static String classDataArchive(Path maps) {
        try (var lines = Files.lines(maps)) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1)).filter(f -> f.endsWith(".jsa")).findFirst()
                    .orElse("none");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static double mb(long bytes) {
        return Math.round(bytes / 1048576.0 * 100) / 100.0;
    }

    /**
     * MB with one decimal ("%.1f" without String.format, whose Formatter and locale symbols the
     * crash kernel's emulated CPU pays for on every call).
     */
    static String mb1(long bytes) {
        long tenths = Math.round(bytes / 1048576.0 * 10);
        return tenths / 10 + "." + tenths % 10;
    }

    /** The panicking CPU: {@code panic_cpu} (atomic_t), else x86's {@code crashing_cpu}; -1 if unknown. */
    static int panicCpu(DeadKernel k) {
        for (String sym : List.of("panic_cpu", "crashing_cpu")) {
            try {
                int v = k.kernelMemory().readU32(k.symbol(sym));
                if (v >= 0 && v < 1 << 16) {
                    return v;
                }
            } catch (RuntimeException e) {
                // try the next one
            }
        }
        return -1;
    }

    private static long robustList(DeadKernel k, long task) {
        try {
            return k.object("task_struct", task).pointer("robust_list");
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The XSAVE layout of the machine: AVX-512 if the kernel's fpstate enables its components. */
    static XsaveLayout layoutOf(List<ProcessModel> models) {
        long avx512 = (1L << XsaveLayout.OPMASK) | (1L << XsaveLayout.ZMM_HI256) | (1L << XsaveLayout.HI16_ZMM);
        for (ProcessModel p : models) {
            for (ThreadModel t : p.threads()) {
                if (t.fpu() != null) {
                    return (t.fpu().xfeatures() & avx512) != 0 ? XsaveLayout.INTEL_AVX512 : XsaveLayout.AVX;
                }
            }
        }
        return XsaveLayout.AVX;
    }

    /**
     * Every user process of the dead kernel, by pid, read on one thread per CPU ({@link Options#jobs}).
     * Each reader thread has its own {@link ProcessReader} (their caches are not shared); what they share
     * (the dump, the kernel address space and types) is thread-safe, as for the tree writers. Reading a
     * process never throws for bad data, so one bad process stops no other.
     */
    private List<ProcessModel> readProcesses(DeadKernel kernel, Map<String, Object> detail) {
        ProcessReader.Options opts = new ProcessReader.Options(false, true, true, true);
        ProcessReader lister = new ProcessReader(kernel);
        List<KObject> leaders = lister.processes().leaders();
        int jobs = jobs(o.jobs(), leaders.size());
        detail.put("read_threads", (long) jobs);
        // the reader that listed the processes goes to the first reading thread, a new one to each other
        AtomicReference<ProcessReader> spare = new AtomicReference<>(lister);
        ThreadLocal<ProcessReader> readers = ThreadLocal.withInitial(() -> {
            ProcessReader r = spare.getAndSet(null);
            return r != null ? r : new ProcessReader(kernel);
        });
        List<ProcessModel> models = new ArrayList<>(inParallel(leaders, jobs, "process-reader", t -> readers.get().read(t, opts)));
        models.sort(java.util.Comparator.comparingInt(ProcessModel::pid));
        return models;
    }

    /** One tree's report entry and its image set (none if no process of it could be written). */
    private record TreeResult(Map<String, Object> report, List<ImageSetEntry> set) {
    }

    /** How many trees to write at once: {@code requested}, or one per CPU for 0; never more than there are trees. */
    static int jobs(int requested, int trees) {
        int n = requested > 0 ? requested : Runtime.getRuntime().availableProcessors();
        return Math.max(1, Math.min(n, trees));
    }

    /**
     * Applies {@code work} to every item on {@code jobs} threads and returns the results in the items'
     * order. After a failure no further item is started; the exception of the first failed item (in the
     * items' order) is rethrown once every thread has stopped. The threads are named {@code name-N}.
     * Each tree writer reads the dump through its own page-table walkers, each process reader has its
     * own {@link ProcessReader}; what they share (the dump, the kernel address space and types, the swap
     * sources, the IPC and vDSO readers) is thread-safe. With one job the items are done here, in order.
     */
    static <T, R> List<R> inParallel(List<T> items, int jobs, String name, Function<T, R> work) {
        if (jobs <= 1 || items.size() <= 1) {
            return items.stream().map(work).toList();
        }
        AtomicInteger named = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, name + "-" + named.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        AtomicBoolean failed = new AtomicBoolean();
        List<Future<R>> futures = items.stream().map(i -> pool.submit(() -> {
            if (failed.get()) {
                return null;
            }
            try {
                return work.apply(i);
            } catch (RuntimeException | Error e) {
                failed.set(true);
                throw e;
            }
        })).toList();
        pool.shutdown();
        List<R> results = new ArrayList<>(items.size());
        Throwable failure = null;
        boolean interrupted = false;
        for (Future<R> f : futures) {
            while (true) {
                try {
                    R r = f.get();
                    if (failure == null) {
                        results.add(r);
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    failure = failure == null ? e.getCause() : failure;
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return results;
    }

    /** Writes one tree; a process that fails is dropped with its descendants and the rest retried. */
    private Map<String, Object> writeTree(DeadKernel kernel, Supplier<KernelVdso> vdso, DeadKernelIpc ipc,
                                          ImageMapper mapper, XsaveLayout layout,
                                          ResurrectionPlan tree, String crashTime, String panic, ClockImage clocks,
                                          Map<Integer, String> errors, Map<Integer, Integer> treeOf,
                                          List<ImageSetEntry> sets) {
        long t0 = System.nanoTime();
        Map<String, Object> tr = new LinkedHashMap<>();
        tr.put("root", (long) tree.rootPid());
        Path dir = o.out().resolve(String.valueOf(tree.rootPid()));
        tr.put("dir", dir.toString());
        tr.put("shell_job", tree.shellJob());
        List<ProcessPlan> members = new ArrayList<>(tree.processes());
        IpcNamespaceOracle.IpcNamespace ns = ipc.of(members.get(0).model());
        IpcNamespaceImage ipcImage = null;
        if (ns != null) {
            try {
                ipcImage = ipc.image(ns.address());
                tr.put("ipc_namespace", "0x" + Long.toHexString(ns.address()) + " ("
                        + ipcImage.segments().size() + " SysV shm segments)");
            } catch (IOException | RuntimeException e) {
                tr.put("error", "IPC namespace: " + oneLine(e));
                for (ProcessPlan m : members) {
                    errors.put(m.pid(), "IPC namespace: " + oneLine(e));
                }
                return tr;
            }
        }
        LongPredicate anonymous = anonymousTest(kernel);
        for (int attempt = 0; attempt < MAX_RETRIES && !members.isEmpty(); attempt++) {
            List<ProcessImage> images = new ArrayList<>();
            List<VmcorePageSource> sources = new ArrayList<>();
            SharedAnonMemory shmems = new SharedAnonMemory(kernel);
            int[] current = {0};
            Integer failed = null;
            for (ProcessPlan p : members) {
                try {
                    shmems.add(p.model().vmas());
                    List<VmaImage> vmas = mapper.vmas(p.model());
                    VmcorePageSource raw = new VmcorePageSource(kernel.userMemory(p.model().mm().pgd()),
                            kernel.physicalMemory(), vmas, anonymous, vdso, withAnonVma(p.model()));
                    sources.add(raw);
                    int pid = p.pid();
                    PageSource tagged = sink -> {
                        current[0] = pid;
                        long t = System.nanoTime();
                        long r = raw.readNanos(), w = raw.sinkNanos();
                        try {
                            raw.forEachPage(sink);
                        } finally {
                            pagesNanos.add(System.nanoTime() - t);
                            pagesReadNanos.add(raw.readNanos() - r);
                            pagesWriteNanos.add(raw.sinkNanos() - w);
                        }
                    };
                    images.add(mapper.map(p, p == members.get(0), vmas, tagged));
                } catch (RuntimeException e) {
                    failed = p.pid();
                    errors.put(p.pid(), "image mapping: " + oneLine(e));
                    break;
                }
            }
            if (failed == null) {
                try {
                    deleteTree(dir);
                    WriteResult w = new ImageWriter(layout).write(dir, images, ipcImage, clocks, shmems.images());
                    Map<String, Object> manifest = SetManifest.of(tree, members, crashTime, panic);
                    Files.writeString(dir.resolve(SetManifest.FILE), Json.write(manifest));
                    ImageSetEntry entry = ImageSetEntry.of(dir, manifest);
                    long bytes = sizeOf(dir);
                    tr.put("processes", members.stream().map(m -> (long) m.pid()).toList());
                    tr.put("files", (long) w.files().size());
                    tr.put("pages", w.pagesWritten());
                    tr.put("pages_files", (long) w.pagesFiles());
                    tr.put("pages_files_direct", (long) w.pagesFilesDirect());
                    if (w.directRefusal() != null) {
                        tr.put("pages_direct_refused", w.directRefusal());
                    }
                    tr.put("zero_pages_skipped", sources.stream().mapToLong(VmcorePageSource::zeroPagesSkipped).sum());
                    tr.put("bytes", bytes);
                    tr.put("ms", (System.nanoTime() - t0) / 1_000_000);
                    for (ProcessPlan m : members) {
                        treeOf.put(m.pid(), tree.rootPid());
                    }
                    log.accept("tree " + tree.rootPid() + ": " + members.size() + " processes, " + w.pagesWritten()
                            + " pages, " + mb1(bytes) + " MB");
                    sets.add(entry); // only a set written whole is restored
                    return tr;
                } catch (IOException | RuntimeException e) {
                    failed = current[0] != 0 ? current[0] : members.get(0).pid();
                    errors.put(failed, "image writing: " + oneLine(e));
                }
            }
            log.accept("tree " + tree.rootPid() + ": process " + failed + " dropped: " + errors.get(failed));
            members = withoutSubtree(members, failed);
        }
        tr.put("error", "no process of the tree could be written");
        try {
            deleteTree(dir);
        } catch (IOException e) {
            // leave it; restore skips sets without a manifest
        }
        return tr;
    }

    private static List<ProcessPlan> withoutSubtree(List<ProcessPlan> members, int pid) {
        Set<Integer> gone = new HashSet<>(Set.of(pid));
        List<ProcessPlan> out = new ArrayList<>();
        for (ProcessPlan p : members) { // parents come first
            if (gone.contains(p.pid()) || gone.contains(p.model().ppid())) {
                gone.add(p.pid());
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * For a physical page: whether its struct page is anonymous (PAGE_MAPPING_ANON in page->mapping). The
     * member's offset is resolved once; the test itself is one 8-byte read of the page's struct page.
     */
    static LongPredicate anonymousTest(DeadKernel k) {
        long offset;
        try {
            offset = k.types().struct("page").member("mapping").offset();
        } catch (RuntimeException e) {
            return pa -> true; // unknown layout: keep every page (always correct, only larger)
        }
        return pa -> {
            try {
                return (k.kernelMemory().readU64(k.physToPage(pa & ~0xfffL) + offset) & PAGE_MAPPING_ANON) != 0;
            } catch (RuntimeException e) {
                return true; // unknown: keep the page (always correct, only larger)
            }
        };
    }

    /**
     * For the start address of one of {@code p}'s VMAs: whether it may hold anonymous pages, i.e. is not
     * a file mapping whose vm_area_struct has no anon_vma ({@link Vma#anonVma}, read with the VMA).
     */
    static LongPredicate withAnonVma(ProcessModel p) {
        Set<Long> without = new HashSet<>();
        for (Vma v : p.vmas()) {
            if (v.isFile() && !v.anonVma()) {
                without.add(v.start());
            }
        }
        return start -> !without.contains(start);
    }

    private long flush(DeadKernel kernel, Map<String, Object> flush, List<ProcessPlan> processes) {
        DirtyPages dp = new DirtyPages(FilesContext.of(kernel));
        DirtyPages.Result scan = dp.scan();
        PageCache cache = dp.pageCache();
        DirtyPageWriter w = new DirtyPageWriter(o.flushRoot(), dp::read, true).cachedPages(
                f -> cache.uptodatePages(f.inode()).stream()
                        .map(pg -> new DirtyPages.DirtyPage(pg.index(), pg.phys(), pg.bytes())).toList());
        DirtyPageWriter.Result r = w.write(scan.files());
        reconcileOpenFiles(dp, w, scan, r, processes, flush);
        flush.put("dirty_files", scan.files().stream().filter(f -> !f.pages().isEmpty()).count());
        flush.put("persistent_files", scan.persistent().stream().filter(f -> !f.pages().isEmpty()).count());
        flush.put("files_written", (long) r.filesWritten());
        flush.put("pages_written", r.pagesWritten());
        flush.put("bytes_written", r.bytesWritten());
        // files whose last change was in a journal transaction that never committed (clean pages only)
        DirtyPageWriter.JournalSummary journal = DirtyPageWriter.JournalSummary.of(r.files());
        flush.put("journal", journal.json(scan.journals()));
        List<Object> files = new ArrayList<>();
        for (DirtyPageWriter.FileResult f : r.files()) {
            if (f.pendingOnly() && (f.unreachable() || (f.error() == null && !f.written()))) {
                continue; // listed only when something was done or went wrong
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", f.path());
            e.put("size", f.size());
            e.put("pages", (long) f.pages());
            e.put("disk_size", f.diskSize());
            e.put("uncached_bytes", f.uncachedBytes());
            e.put("journal_pending", f.file().journalPending());
            e.put("repaired_pages", (long) f.repairedPages());
            e.put("error", f.error());
            files.add(e);
        }
        flush.put("files", files);
        flush.put("scan_errors", scan.errors());
        log.accept("flush: " + r.filesWritten() + " files written back, " + r.pagesWritten() + " pages; "
                + journal.pending() + " with an uncommitted journal transaction: " + journal.repaired() + " repaired ("
                + journal.pagesRepaired() + " pages), " + journal.sameOnDisk() + " same on disk ("
                + journal.pagesCompared() + " pages compared), " + journal.unreachable() + " not reachable here");
        return r.bytesWritten();
    }

    /**
     * Open regular files of resurrected processes whose size on disk is not the dead kernel's i_size
     * (a size change whose journal transaction had not committed) get their cached pages and size
     * ({@link FileSizeReconciler}); criu restore would refuse them otherwise.
     */
    private void reconcileOpenFiles(DirtyPages dp, DirtyPageWriter w, DirtyPages.Result scan,
                                    DirtyPageWriter.Result written, List<ProcessPlan> processes,
                                    Map<String, Object> flush) {
        Set<Long> done = new HashSet<>();
        Set<String> writtenPaths = new HashSet<>();
        written.files().stream().filter(f -> f.error() == null).forEach(f -> writtenPaths.add(f.path()));
        scan.files().stream().filter(f -> writtenPaths.contains(f.path())).forEach(f -> done.add(f.inode()));
        List<FileSizeReconciler.Candidate> open = new ArrayList<>();
        for (ProcessPlan p : processes) {
            if (!p.resurrect()) {
                continue;
            }
            for (OpenFile f : p.model().files()) {
                if ((f.iMode() & OpenFile.S_IFMT) == OpenFile.S_IFREG && DirtyPageWriter.TARGET_FS.contains(f.fsType())) {
                    open.add(new FileSizeReconciler.Candidate(f.path(), f.inode(), f.ino(), f.size()));
                }
            }
        }
        List<FileSizeReconciler.Outcome> out = new FileSizeReconciler(o.flushRoot(), w).reconcile(open, done);
        flush.put("size_reconciled", out.stream().map(FileSizeReconciler.Outcome::json).toList());
        for (FileSizeReconciler.Outcome x : out) {
            log.accept("flush: " + x.path() + ": size on disk " + x.diskSize() + ", dead kernel " + x.size() + ": "
                    + x.pages() + " cached pages written"
                    + (x.uncached() > 0 ? ", " + x.uncached() + " bytes not cached (zeros)" : "")
                    + (x.error() == null ? "" : ", error: " + x.error()));
        }
    }

    private static Map<String, Object> processJson(ProcessPlan p, boolean resurrected, Integer tree, String error) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("pid", (long) p.pid());
        e.put("comm", p.model().comm());
        e.put("ppid", (long) p.model().ppid());
        e.put("tree", tree == null ? null : (long) tree);
        e.put("resurrect", resurrected);
        e.put("reason", error != null ? "failed: " + error : p.reason());
        e.put("crash_procedure", p.crashProcedure());
        e.put("policy", p.registration() == null ? null : p.registration().policy().name());
        e.put("registration_source", p.registration() == null ? null : p.registration().sourceKind());
        e.put("faulty", p.faulty());
        e.put("unrestored", SetManifest.unrestoredJson(p.unrestored()));
        List<Object> sc = new ArrayList<>();
        p.syscalls().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(en -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("tid", (long) en.getKey());
            s.put("syscall", (long) en.getValue().syscall());
            s.put("action", en.getValue().action().name());
            s.put("reason", en.getValue().reason());
            s.put("fpu", fpuOf(p, en.getKey()));
            sc.add(s);
        });
        e.put("threads", sc);
        e.put("read_errors", p.model().errors());
        e.put("error", error);
        return e;
    }

    /** The FPU provenance of thread {@code tid} of {@code p} ({@code exact}, ...), or null if unknown. */
    private static String fpuOf(ProcessPlan p, int tid) {
        for (ThreadModel t : p.model().threads()) {
            if (t.tid() == tid && t.fpuProvenance() != null) {
                return t.fpuProvenance().json();
            }
        }
        return null;
    }

    static String oneLine(Throwable t) {
        String m = t.getMessage();
        return (m == null || m.isBlank() ? t.getClass().getSimpleName() : m).split("\n")[0];
    }

    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    /** Removes the image sets and reports of an earlier run, so that restore never sees stale sets. */
    private static void clearPrevious(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (Files.isDirectory(p) && n.matches("[0-9]+")) {
                    deleteTree(p);
                } else if (n.equals("report.json") || n.equals("restore.json") || n.equals(RestoreScript.FILE)
                        || n.equals(RestoreScript.OUTCOMES)) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
