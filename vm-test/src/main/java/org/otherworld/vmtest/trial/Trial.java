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
    /** What to run. */
    public record Options(Path out, int memoryMiB, String accel, Fault fault, List<Workload> workloads,
                          boolean keepDisks) {
    }

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
        GuestImage img = new GuestBuilder(ws, log).build();
        report.put("kernel", img.kernelRelease());
        report.put("fault", o.fault().label());
        Map<String, Path> files = Workload.dataFiles(o.workloads());
        Map<String, Integer> pids = new LinkedHashMap<>();
        Map<String, String> cmdlines = new LinkedHashMap<>();
        Map<String, List<Object>> members = new LinkedHashMap<>();
        Map<String, String> pre = new LinkedHashMap<>();
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        Map<String, Object> agentReport = null;
        boolean mainKernelBack = false;
        try {
            Files.createDirectories(o.out());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Guest.Options go = new Guest.Options(o.memoryMiB(), 2, "resurrect", files, 0, null);
        try (Guest g = new Guest(img, o.out(), go, tl, log)) {
            Accelerator accel = Accelerator.choose(o.accel(), g.spec(), ws.cache(), o.out(), log);
            report.put("accel", accel.label());
            log.accept("booting guest (" + accel.label() + ", " + o.memoryMiB() + " MiB)");
            g.boot(accel);
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

            tl.mark("crash");
            log.accept("crashing the kernel: " + o.fault().label());
            c.send(o.fault().command());
            try {
                c.waitFor("OW-CRASH kernel-up", CRASH_KERNEL_TIMEOUT);
                tl.mark("crash-kernel");
            } catch (SerialConsole.TimeoutException e) {
                notes.add("the crash kernel did not start within " + CRASH_KERNEL_TIMEOUT.toSeconds() + " s");
                throw new PhaseFailed();
            }
            c.waitFor("OW-CRASH agent-start", Duration.ofSeconds(120));
            tl.mark("agent-start");
            Matcher agent = c.waitFor("agent exit", Pattern.compile("OW-CRASH agent-exit code=(\\d+)"), AGENT_TIMEOUT);
            tl.mark("agent-exit");
            int agentCode = Integer.parseInt(agent.group(1));
            if (agentCode != 0) {
                notes.add("the resurrector agent exited with code " + agentCode + agentMessage(c.all()));
                missing.add("extraction");
            }
            Matcher ho = c.waitFor("hand-over", Pattern.compile("OW-CRASH (handover-kexec|handover-\\S+.*|power-off)"),
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
            Matcher rs = c.waitFor("restore exit", Pattern.compile("OW-MAIN restore-exit code=(\\d+)"), AGENT_TIMEOUT);
            tl.mark("restore-exit");
            if (!rs.group(1).equals("0")) {
                notes.add("restore exited with code " + rs.group(1));
                missing.add("restore");
            }
            c.waitFor("OW-MAIN booted", Guest.BOOT_TIMEOUT);
            c.check("true", Duration.ofSeconds(60));
            mainKernelBack = true;
            long mem = Long.parseLong(c.check("awk '/MemTotal/ {print $2}' /proc/meminfo", Duration.ofSeconds(30)).strip());
            report.put("main_kernel_after_handover_mem_kib", mem);
            checkWorkloads(c, o.workloads(), pids, cmdlines, pre, results);
            g.shutdown(Duration.ofSeconds(60));
            agentReport = readAgentReport(g.dataDisk(), o.out());
        } catch (PhaseFailed e) {
            // recorded in notes
        } catch (RuntimeException e) {
            notes.add("trial aborted: " + e.getMessage().split("\n")[0]);
            log.accept("trial aborted: " + e.getMessage());
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
        boolean allPass = mainKernelBack && missing.isEmpty();
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
            Map<String, Object> ordered = new LinkedHashMap<>();
            for (String k : List.of("name", "pid", "session_pids", "resurrected", "crash_procedure", "unrestored",
                    "state_check", "detail")) {
                ordered.put(k, r.get(k));
            }
            allPass &= "pass".equals(r.get("state_check")) && Boolean.TRUE.equals(r.get("resurrected"));
            procs.add(ordered);
        }
        report.put("processes", procs);
        report.put("missing_phases", missing);
        report.put("notes", notes);
        report.put("agent_report", agentReport);
        report.put("verdict", allPass ? "pass" : "fail");
        write(o.out(), report);
        return report;
    }

    private static final class PhaseFailed extends RuntimeException {
        PhaseFailed() {
            super(null, null, false, false);
        }
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
            } else {
                SerialConsole.CommandResult cr = c.run("cd " + w.dir() + " && PRE='" + pre.getOrDefault(w.name(), "")
                        + "' && " + w.check(), Duration.ofSeconds(120));
                r.put("state_check", cr.exit() == 0 ? "pass" : "fail");
                r.put("detail", cr.output());
            }
            log.accept("workload " + w.name() + ": " + r.get("state_check") + " " + r.get("detail"));
            results.put(w.name(), r);
        }
    }

    @SuppressWarnings("unchecked")
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

    static Map<String, Object> phases(Timeline tl) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("boot", tl.between("boot-start", "booted"));
        p.put("panic_to_crash_kernel", tl.between("crash", "crash-kernel"));
        p.put("extraction", tl.between("agent-start", "agent-exit"));
        p.put("handover", tl.between("agent-exit", "main-kernel-2"));
        p.put("restore", tl.between("restore-start", "restore-exit"));
        p.put("total_downtime", tl.between("crash", "restore-exit"));
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
