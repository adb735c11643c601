package org.otherworld.vmtest.trial;

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
import org.otherworld.vmtest.guest.GuestKernel;
import org.otherworld.vmtest.vm.Accelerator;
import org.otherworld.vmtest.vm.DataDisk;
import org.otherworld.vmtest.vm.Guest;
import org.otherworld.vmtest.vm.SerialConsole;
import org.otherworld.vmtest.vm.Timeline;

/**
 * Trial mode, the main job: boot, start the workloads, crash the kernel, follow the crash kernel's
 * resurrector and the hand-over into a fresh main kernel, check every workload, and write
 * {@code report.json} and {@code summary.txt}. A phase that was not observed is reported as missing
 * and the verdict is then "fail": nothing is claimed that was not seen.
 */
public final class Trial {
    /** Where the guest mounts the data disk (its paths on the disk are relative to this). */
    static final String DATA_MOUNT = "/data";
    /**
     * What to run. {@code injection} (may be null) replaces {@code fault} (then may be null) with a
     * campaign's fault: see {@link Injection}.
     */
    public record Options(Path out, int memoryMiB, String accel, Fault fault, List<Workload> workloads,
                          boolean keepDisks, Injection injection, GuestKernel kernel) {
        public Options {
            kernel = kernel == null ? GuestKernel.STOCK : kernel;
        }

        public Options(Path out, int memoryMiB, String accel, Fault fault, List<Workload> workloads, boolean keepDisks,
                       Injection injection) {
            this(out, memoryMiB, accel, fault, workloads, keepDisks, injection, GuestKernel.STOCK);
        }

        public Options(Path out, int memoryMiB, String accel, Fault fault, List<Workload> workloads, boolean keepDisks) {
            this(out, memoryMiB, accel, fault, workloads, keepDisks, null, GuestKernel.STOCK);
        }

        String faultLabel() {
            return injection != null ? injection.label() : fault.label();
        }

        String faultCommand() {
            return injection != null ? injection.command() : fault.command();
        }
    }

    /**
     * Extension point for fault campaigns: a fault given as a label and a console command (which may
     * return), extra QEMU arguments for the guest, an optional bound within which the fault must show
     * (a panic, an oops or a lockup report on the console; without one the trial checks whether the
     * guest and its workloads are still fine, recorded as {@code no_panic_check} in the report), and an
     * optional action run on the host on its own thread from the moment the command is sent until the
     * fault shows or the bound ends (it is then interrupted).
     */
    public record Injection(String label, String command, List<String> qemuArgs, Duration manifestBound,
                            HostAction hostAction, boolean keepVmcore) {
        public Injection {
            qemuArgs = qemuArgs == null ? List.of() : List.copyOf(qemuArgs);
        }

        /** Without keeping the vmcore. */
        public Injection(String label, String command, List<String> qemuArgs, Duration manifestBound,
                         HostAction hostAction) {
            this(label, command, qemuArgs, manifestBound, hostAction, false);
        }
    }

    /** With {@code keepVmcore}: the crash kernel copies /proc/vmcore here (a sparse file) before resurrecting. */
    public static final String VMCORE = "vmcore";

    /** A host-side fault action (e.g. bit flips through QEMU's gdb stub); must end when interrupted. */
    @FunctionalInterface
    public interface HostAction {
        void run(SerialConsole console) throws Exception;
    }

    /** Console text showing that an injected fault manifested (a panic or a detector's report). */
    static final Pattern MANIFESTED = Pattern.compile("Kernel panic|Oops: |BUG: |general protection fault"
            + "|watchdog: |blocked for more than|elfcorehdr=|OW-CRASH kernel-up");
    /** Console text showing that the kernel really panicked (with panic_on_oops=1 an oops goes to kdump). */
    static final Pattern PANICKED = Pattern.compile("Kernel panic|Oops: |elfcorehdr=|OW-CRASH kernel-up");

    /** 32 KiB written without sync right before the crash; its content must survive the resurrection. */
    static final String DIRTY_FILE = "/data/work/dirty-before-crash.bin";
    /** The SDK state directory the demo workloads use on the guest's persistent disk. */
    static final String STATE_DIR = "/data/otherworld/state";
    static final Duration CRASH_KERNEL_TIMEOUT = Duration.ofSeconds(180);
    static final Duration AGENT_TIMEOUT = Duration.ofSeconds(600);
    static final Duration HANDOVER_TIMEOUT = Duration.ofSeconds(240);

    private final Workspace ws;
    private final Consumer<String> log;

    public Trial(Workspace ws, Consumer<String> log) {
        this.ws = ws;
        this.log = log;
    }

    public Map<String, Object> run(Options o) {
        Timeline tl = new Timeline();
        List<String> notes = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Map<String, Object> report = new LinkedHashMap<>();
        GuestImage img = new GuestBuilder(ws, log, o.kernel()).build();
        report.put("kernel", img.kernelRelease());
        report.put("kernel_build", o.kernel().label());
        report.put("fault", o.faultLabel());
        Map<String, Path> files = Workload.dataFiles(o.workloads());
        Map<String, Integer> pids = new LinkedHashMap<>();
        Map<String, String> cmdlines = new LinkedHashMap<>();
        Map<String, List<Object>> members = new LinkedHashMap<>();
        Map<String, String> pre = new LinkedHashMap<>();
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        Map<String, Object> agentReport = null;
        Map<Long, Map<String, Object>> manifests = new LinkedHashMap<>();
        String unameAfter = null;
        String dirtySha = null;
        String dirtyCheck = "not checked";
        boolean mainKernelBack = false;
        try {
            Files.createDirectories(o.out());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        boolean keepCore = o.injection() != null && o.injection().keepVmcore();
        // the vmcore is a little larger than RAM (ELF headers, notes): a sparse disk with room to spare
        Guest.Options go = new Guest.Options(o.memoryMiB(), 2, keepCore ? "resurrect-keepcore" : "resurrect", files,
                keepCore ? o.memoryMiB() + 64 : 0, null, o.injection() == null ? List.of() : o.injection().qemuArgs());
        long vmcoreBytes = -1;
        Thread hostAction = null;
        List<String> hostErrors = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Guest g = new Guest(img, o.out(), go, tl, log)) {
            Accelerator accel = Accelerator.choose(o.accel(), g.spec(), ws.cache(), o.out(), log);
            report.put("accel", accel.label());
            log.accept("booting guest (" + accel.label() + ", " + o.memoryMiB() + " MiB)");
            g.boot(accel);
            report.put("guest_uname_before_crash", g.console().check("uname -r", Duration.ofSeconds(30)).strip());
            report.put("clocksource_before_crash", clocksource(g.console()));
            log.accept(String.format("booted in %.1f s; starting %d workloads", tl.between("boot-start", "booted") / 1000.0,
                    o.workloads().size()));
            SerialConsole c = g.console();
            WorkloadRunner wr = new WorkloadRunner(c, log);
            Map<String, Integer> leaders = wr.start(o.workloads());
            WorkloadRunner.sleep(2000);
            for (Map.Entry<String, Integer> e : leaders.entrySet()) {
                // the workload's main process: its session leader, or (when the leader was only a
                // launcher and has exited) the oldest process of its session
                List<WorkloadRunner.Member> ms = wr.members(e.getValue());
                WorkloadRunner.Member main = ms.stream().filter(m -> m.pid() == e.getValue()).findFirst()
                        .orElse(ms.isEmpty() ? null : ms.get(0));
                if (main == null) {
                    notes.add("workload " + e.getKey() + " has no running process before the crash");
                    continue;
                }
                pids.put(e.getKey(), main.pid());
                cmdlines.put(e.getKey(), main.cmdline());
                members.put(e.getKey(), ms.stream().map(m -> (Object) (long) m.pid()).toList());
            }
            pre.putAll(wr.probe(o.workloads()));
            log.accept("pre-crash state: " + pre);
            // data written right before the crash and never synced: only in the dead kernel's page
            // cache; after the resurrection it must be on disk, whole
            dirtySha = c.check("mkdir -p /data/work && dd if=/dev/urandom of=" + DIRTY_FILE + " bs=4096 count=8 2>/dev/null && sha256sum "
                    + DIRTY_FILE + " | cut -d' ' -f1", Duration.ofSeconds(60)).strip();

            tl.mark("crash");
            log.accept("crashing the kernel: " + o.faultLabel());
            int sentAt = c.all().length();
            c.send(o.faultCommand());
            hostAction = startHostAction(o.injection(), c, hostErrors);
            if (o.injection() != null && o.injection().manifestBound() != null
                    && !manifested(c, sentAt, o.injection().manifestBound())) {
                stop(hostAction);
                notes.add("the fault did not manifest: no panic, oops or lockup report within "
                        + o.injection().manifestBound().toSeconds() + " s");
                report.put("no_panic_check", noPanicCheck(c, o.workloads(), pids, cmdlines, pre));
                throw new PhaseFailed();
            }
            try {
                c.waitFor("OW-CRASH kernel-up", CRASH_KERNEL_TIMEOUT);
                tl.mark("crash-kernel");
                stop(hostAction);
            } catch (SerialConsole.TimeoutException e) {
                notes.add("the crash kernel did not start within " + CRASH_KERNEL_TIMEOUT.toSeconds() + " s");
                if (o.injection() != null && !PANICKED.matcher(c.all().substring(Math.min(sentAt, c.all().length()))).find()) {
                    stop(hostAction);
                    report.put("no_panic_check", noPanicCheck(c, o.workloads(), pids, cmdlines, pre));
                }
                throw new PhaseFailed();
            }
            if (keepCore) {
                Matcher kept = c.waitFor("vmcore copy", Pattern.compile("OW-CRASH (vmcore-kept bytes=(\\d+)|vmcore-keep-failed.*)"),
                        Duration.ofSeconds(900));
                tl.mark("vmcore-kept");
                if (kept.group(2) != null) {
                    vmcoreBytes = Long.parseLong(kept.group(2));
                } else {
                    notes.add("the crash kernel could not keep the vmcore: " + kept.group(1));
                }
            }
            c.waitFor("OW-CRASH agent-start", Duration.ofSeconds(120));
            tl.mark("agent-start");
            Matcher agent = c.waitFor("agent exit", Pattern.compile("OW-CRASH agent-exit code=(\\d+)\\s"), AGENT_TIMEOUT);
            tl.mark("agent-exit");
            int agentCode = Integer.parseInt(agent.group(1));
            if (agentCode != 0) {
                notes.add("the resurrector agent exited with code " + agentCode + agentMessage(c.all()));
                missing.add("extraction");
            }
            Matcher ho = c.waitFor("hand-over", Pattern.compile("OW-CRASH (handover-kexec|handover-\\S+|power-off)"),
                    Duration.ofSeconds(120));
            if (!ho.group(1).equals("handover-kexec")) {
                notes.add("no hand-over: " + ho.group(1));
                missing.add("handover");
                throw new PhaseFailed();
            }
            try {
                c.waitFor("OW-MAIN kernel-up", HANDOVER_TIMEOUT);
                tl.mark("main-kernel-2");
            } catch (SerialConsole.TimeoutException e) {
                notes.add("the fresh main kernel did not start after the hand-over");
                missing.add("handover");
                throw new PhaseFailed();
            }
            c.waitFor("OW-MAIN restore-start", Duration.ofSeconds(120));
            tl.mark("restore-start");
            Matcher rs = c.waitFor("restore exit", Pattern.compile("OW-MAIN restore-exit code=(\\d+)\\s"), AGENT_TIMEOUT);
            tl.mark("restore-exit");
            if (!rs.group(1).equals("0")) {
                notes.add("restore exited with code " + rs.group(1));
                missing.add("restore");
            }
            c.waitFor("OW-MAIN booted", Guest.BOOT_TIMEOUT);
            c.check("true", Duration.ofSeconds(60));
            unameAfter = c.check("uname -r", Duration.ofSeconds(30)).strip();
            report.put("guest_uname_after_handover", unameAfter);
            report.put("clocksource_after_handover", clocksource(c));
            mainKernelBack = true;
            long mem = Long.parseLong(c.check("awk '/MemTotal/ {print $2}' /proc/meminfo", Duration.ofSeconds(30)).strip());
            report.put("main_kernel_after_handover_mem_kib", mem);
            String after = c.run("sha256sum " + DIRTY_FILE + " 2>&1 | cut -d' ' -f1", Duration.ofSeconds(60)).output().strip();
            dirtyCheck = after.equals(dirtySha) ? "pass" : "fail";
            log.accept("dirty data written just before the crash: " + dirtyCheck + " (sha256 " + after + ", expected " + dirtySha + ")");
            checkWorkloads(c, o.workloads(), pids, cmdlines, pre, results);
            tl.mark("checked");
            g.shutdown(Duration.ofSeconds(60));
            agentReport = readAgentReport(g.dataDisk(), o.out());
            manifests.putAll(FpuVerdict.readManifests(g.dataDisk(), o.out(), agentReport, pids.values()));
            keepFailedWorkloadOutput(g.dataDisk(), o.out(), o.workloads(), results);
        } catch (PhaseFailed e) {
            // recorded in notes
        } catch (RuntimeException e) {
            notes.add("trial aborted: " + e.getMessage().split("\n")[0]);
            log.accept("trial aborted: " + e.getMessage());
        }
        stop(hostAction);
        notes.addAll(hostErrors);
        if (keepCore) {
            Path raw = o.out().resolve("disk2.img");
            try {
                if (vmcoreBytes > 0 && Files.exists(raw)) {
                    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(raw.toFile(), "rw")) {
                        f.setLength(vmcoreBytes);
                    }
                    Files.move(raw, o.out().resolve(VMCORE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    report.put("vmcore", Map.of("path", VMCORE, "bytes", vmcoreBytes));
                } else {
                    Files.deleteIfExists(raw);
                }
            } catch (IOException e) {
                notes.add("could not keep the vmcore: " + e.getMessage());
            }
        }
        if (!o.keepDisks()) {
            try {
                Files.deleteIfExists(o.out().resolve("data.img"));
            } catch (IOException e) {
                notes.add("could not delete the data disk: " + e.getMessage());
            }
        }
        report.put("phases_ms", phases(tl));
        report.put("timeline_ms", tl.events());
        List<Object> procs = new ArrayList<>();
        boolean allPass = mainKernelBack && missing.isEmpty() && "pass".equals(dirtyCheck);
        report.put("dirty_data_check", dirtyCheck);
        for (Workload w : o.workloads()) {
            Map<String, Object> r = results.getOrDefault(w.name(), new LinkedHashMap<>());
            r.putIfAbsent("name", w.name());
            r.putIfAbsent("pid", pids.containsKey(w.name()) ? (long) pids.get(w.name()) : null);
            r.putIfAbsent("session_pids", members.getOrDefault(w.name(), List.of()));
            r.putIfAbsent("resurrected", false);
            r.putIfAbsent("crash_procedure", null);
            r.putIfAbsent("unrestored", List.of());
            r.putIfAbsent("state_check", "fail");
            r.putIfAbsent("detail", mainKernelBack ? "not checked" : "the trial did not get back to a main kernel");
            fromAgent(agentReport, r);
            if (w.name().equals(Workload.fpu().name())) {
                Long tree = FpuVerdict.treeOf(agentReport, pids.get(w.name()));
                Map<String, Object> fpu = FpuVerdict.of(o.kernel(), unameAfter != null ? unameAfter
                                : (String) report.get("guest_uname_before_crash"), pids.get(w.name()),
                        Boolean.TRUE.equals(r.get("resurrected")),
                        String.valueOf(r.get(r.get("post_mortem") != null ? "post_mortem" : "detail")),
                        tree == null ? null : manifests.get(tree), tree,
                        FpuVerdict.threadProvenance(agentReport, pids.get(w.name())));
                r.put("fpu", fpu);
                log.accept("fpu workload: kernel " + fpu.get("kernel") + ", agent FPU provenance: " + fpu.get("agent_fpu")
                        + ", pattern " + fpu.get("pattern") + "; expected for this kernel: " + fpu.get("expected"));
            }
            Map<String, Object> ordered = new LinkedHashMap<>();
            for (String k : List.of("name", "pid", "session_pids", "resurrected", "crash_procedure", "unrestored",
                    "state_check", "detail", "agent_decision", "decision")) {
                ordered.put(k, r.get(k));
            }
            if (r.containsKey("fpu")) {
                ordered.put("fpu", r.get("fpu"));
            }
            allPass &= "pass".equals(r.get("state_check")) && Boolean.TRUE.equals(r.get("resurrected"));
            procs.add(ordered);
        }
        report.put("processes", procs);
        report.put("missing_phases", missing);
        report.put("notes", notes);
        report.put("kernels_booted", FpuVerdict.kernelsBooted(readConsole(o.out())));
        report.put("agent_report", agentReport);
        report.put("verdict", allPass ? "pass" : "fail");
        write(o.out(), report);
        return report;
    }

    /**
     * What the agent decided for a workload's main process: whether it registered a crash procedure,
     * its unrestored resources, and why it was or was not resurrected.
     */
    @SuppressWarnings("unchecked")
    static void fromAgent(Map<String, Object> agentReport, Map<String, Object> r) {
        if (agentReport == null || r.get("pid") == null || !(agentReport.get("processes") instanceof List<?> ps)) {
            return;
        }
        for (Object o : ps) {
            Map<String, Object> p = (Map<String, Object>) o;
            if (p.get("pid") instanceof Number n && n.longValue() == ((Number) r.get("pid")).longValue()) {
                r.put("crash_procedure", p.get("crash_procedure"));
                r.put("unrestored", p.getOrDefault("unrestored", List.of()));
                r.put("agent_decision", (Boolean.TRUE.equals(p.get("resurrect")) ? "resurrect" : "not resurrected")
                        + (p.get("reason") == null ? "" : ": " + p.get("reason")));
                return;
            }
        }
    }

    private static final class PhaseFailed extends RuntimeException {
        PhaseFailed() {
            super(null, null, false, false);
        }
    }

    private Thread startHostAction(Injection inj, SerialConsole c, List<String> errors) {
        if (inj == null || inj.hostAction() == null) {
            return null;
        }
        Thread t = new Thread(() -> {
            try {
                inj.hostAction().run(c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                errors.add("host-side injector failed: " + String.valueOf(e.getMessage()).split("\n")[0]);
            }
        }, "host-injector");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void stop(Thread t) {
        if (t != null && t.isAlive()) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The kernel's clock source and, if the kernel gave up on the TSC, its reason: under TCG a kernel that
     * finds its CPUs' TSCs unsynchronized falls back to the HPET, whose every read is an emulated MMIO
     * access (each clock_gettime becomes a system call), which slows every clock-heavy program, JVMs first.
     */
    private static String clocksource(SerialConsole c) {
        return c.run("cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>&1; "
                + "dmesg | grep -o 'Marking TSC unstable.*' | head -n1", Duration.ofSeconds(30)).output().strip()
                .replace('\n', ' ');
    }

    /** Whether the console shows, after {@code from}, that the fault manifested, within {@code bound}. */
    private static boolean manifested(SerialConsole c, int from, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            String all = c.all();
            if (MANIFESTED.matcher(all).region(Math.min(from, all.length()), all.length()).find()) {
                return true;
            }
            if (System.nanoTime() > deadline || c.closed()) {
                return false;
            }
            WorkloadRunner.sleep(500);
        }
    }

    /** After a fault that did not panic: does the guest answer, and do its workloads still pass? */
    private Map<String, Object> noPanicCheck(SerialConsole c, List<Workload> workloads, Map<String, Integer> pids,
                                             Map<String, String> cmdlines, Map<String, String> pre) {
        Map<String, Object> r = new LinkedHashMap<>();
        Map<String, Map<String, Object>> live = new LinkedHashMap<>();
        boolean responsive;
        try {
            c.check("true", Duration.ofSeconds(30));
            responsive = true;
            checkWorkloads(c, workloads, pids, cmdlines, pre, live);
        } catch (RuntimeException e) {
            responsive = false;
            r.put("error", String.valueOf(e.getMessage()).split("\n")[0]);
        }
        boolean ok = responsive && !live.isEmpty() && live.values().stream()
                .allMatch(w -> "pass".equals(w.get("state_check")) && Boolean.TRUE.equals(w.get("resurrected")));
        List<Object> ws = new ArrayList<>();
        live.forEach((name, w) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", name);
            e.put("running", w.get("resurrected"));
            e.put("state_check", w.get("state_check"));
            e.put("detail", w.get("detail"));
            ws.add(e);
        });
        r.put("responsive", responsive);
        r.put("workloads_ok", ok);
        r.put("workloads", ws);
        return r;
    }

    private static String agentMessage(String console) {
        Matcher m = Pattern.compile("agent: (otherworld [^\\n]*)").matcher(console);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? "" : ": " + last;
    }

    private void checkWorkloads(SerialConsole c, List<Workload> workloads, Map<String, Integer> pids,
                                Map<String, String> cmdlines, Map<String, String> pre,
                                Map<String, Map<String, Object>> results) {
        for (Workload w : workloads) {
            Map<String, Object> r = new LinkedHashMap<>();
            Integer pid = pids.get(w.name());
            if (pid == null) {
                r.put("resurrected", false);
                r.put("state_check", "fail");
                r.put("detail", "no process of this workload was running before the crash");
                results.put(w.name(), r);
                continue;
            }
            String now = c.run("tr '\\0' ' ' < /proc/" + pid + "/cmdline 2>/dev/null", Duration.ofSeconds(30)).output().strip();
            boolean same = !now.isBlank() && now.equals(cmdlines.get(w.name()));
            r.put("resurrected", same);
            if (!same) {
                r.put("state_check", "fail");
                r.put("detail", "no process with pid " + pid + " running " + cmdlines.get(w.name()).strip());
                if (w.name().equals(Workload.fpu().name())) {
                    // restored and then gone: its own check still reads what it logged (MISMATCH lines)
                    r.put("post_mortem", c.run("cd " + w.dir() + " && PRE='" + pre.getOrDefault(w.name(), "") + "' && "
                            + w.check(), Duration.ofSeconds(120)).output());
                }
            } else {
                SerialConsole.CommandResult cr = c.run(w.checkCommand(pid, pre.getOrDefault(w.name(), "")),
                        Duration.ofSeconds(120));
                r.put("state_check", cr.exit() == 0 ? "pass" : "fail");
                r.put("detail", cr.output());
            }
            // what the application's crash procedures decided (the SDK's decision record), if any ran
            String decision = c.run("sed -n 's/^decision=//p' " + STATE_DIR + "/reports/" + pid + ".decision 2>/dev/null",
                    Duration.ofSeconds(30)).output().strip();
            r.put("decision", decision.isEmpty() ? null : decision);
            log.accept("workload " + w.name() + ": " + r.get("state_check") + " " + r.get("detail")
                    + (decision.isEmpty() ? "" : " (crash procedure decided " + decision + ")"));
            results.put(w.name(), r);
        }
    }

    @SuppressWarnings("unchecked")
    /**
     * Evidence: the stdout/stderr ({@code .ow-out.log}) of each workload whose check did not pass, copied
     * from the data disk to {@code OUT/workload-NAME.log} and named in its result as {@code output}; what
     * a restored process said before it died is often the only clue.
     */
    static void keepFailedWorkloadOutput(Path dataDisk, Path out, List<Workload> workloads,
                                         Map<String, Map<String, Object>> results) {
        for (Workload w : workloads) {
            Map<String, Object> r = results.computeIfAbsent(w.name(), k -> new LinkedHashMap<>());
            if ("pass".equals(r.get("state_check")) || !w.dir().startsWith(DATA_MOUNT + "/")) {
                continue;
            }
            String dir = w.dir().substring(DATA_MOUNT.length());
            Path dest = out.resolve("workload-" + w.name() + ".log");
            try {
                if (DataDisk.read(dataDisk, dir + "/.ow-out.log", dest)) {
                    r.put("output", dest.getFileName().toString());
                }
                // a JVM of the workload (the program or its check tool) that crashed left its error report there
                List<String> jvmErrors = new ArrayList<>();
                for (String n : DataDisk.list(dataDisk, dir)) {
                    Path e = out.resolve("workload-" + w.name() + "-" + n);
                    if (n.matches("hs_err_pid\\d+\\.log") && DataDisk.read(dataDisk, dir + "/" + n, e)) {
                        jvmErrors.add(e.getFileName().toString());
                    }
                }
                if (!jvmErrors.isEmpty()) {
                    r.put("jvm_error_reports", jvmErrors);
                }
            } catch (RuntimeException e) {
                r.put("output", "not copied: " + e.getMessage());
            }
        }
    }

    private Map<String, Object> readAgentReport(Path dataDisk, Path out) {
        Path p = out.resolve("agent-report.json");
        if (DataDisk.read(dataDisk, "/otherworld/resurrection/report.json", p)) {
            try {
                return (Map<String, Object>) Json.parse(Files.readString(p));
            } catch (IOException | IllegalArgumentException e) {
                return Map.of("error", "unreadable agent report: " + e.getMessage());
            }
        }
        return null;
    }

    private static String readConsole(Path out) {
        try {
            Path p = out.resolve("console.log");
            return Files.exists(p) ? Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static Map<String, Object> phases(Timeline tl) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("boot", tl.between("boot-start", "booted"));
        p.put("workloads_to_fault", tl.between("booted", "crash"));
        p.put("vmcore_copy", tl.between("crash-kernel", "vmcore-kept"));
        p.put("panic_to_crash_kernel", tl.between("crash", "crash-kernel"));
        p.put("extraction", tl.between("agent-start", "agent-exit"));
        p.put("handover", tl.between("agent-exit", "main-kernel-2"));
        p.put("restore", tl.between("restore-start", "restore-exit"));
        p.put("total_downtime", tl.between("crash", "restore-exit"));
        p.put("checks", tl.between("restore-exit", "checked"));
        return p;
    }

    private void write(Path out, Map<String, Object> report) {
        try {
            Files.writeString(out.resolve("report.json"), Json.write(report));
            Files.writeString(out.resolve("summary.txt"), Summary.text(report));
            log.accept(Summary.text(report));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + out, e);
        }
    }
}
