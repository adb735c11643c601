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
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.guest.GuestImage;
import org.otherworld.vmtest.trial.Workload;
import org.otherworld.vmtest.trial.WorkloadRunner;
import org.otherworld.vmtest.vm.Accelerator;
import org.otherworld.vmtest.vm.Guest;
import org.otherworld.vmtest.vm.SerialConsole;
import org.otherworld.vmtest.vm.Timeline;

/**
 * The baselines and the steady-state overhead, on one live guest running the default trial's
 * workloads: (a) cold reboots (sysrq-b, no sync, as abrupt as a crash) followed by the workloads'
 * restart and the first good sessions reply; (b) {@code criu dump} + {@code criu restore} of every
 * workload on the running kernel; then (4) the demo servers' throughput and latency with the crash
 * kernel loaded and the SDK registered versus unloaded and unregistered, alternating.
 */
final class LiveGuest {
    private final Workspace ws;
    private final GuestImage img;
    private final Bench.Options o;
    private final BenchTools tools;
    private final Consumer<String> log;
    private final Runnable save;

    LiveGuest(Workspace ws, GuestImage img, Bench.Options o, BenchTools tools, Consumer<String> log, Runnable save) {
        this.ws = ws;
        this.img = img;
        this.o = o;
        this.tools = tools;
        this.log = log;
        this.save = save;
    }

    void run(Map<String, Object> results) {
        Path dir = o.out().resolve("live");
        List<Workload> wl = new ArrayList<>();
        wl.add(tools.kvPoller());
        wl.addAll(Workload.demos());
        wl.addAll(Workload.sdkDemos());
        Timeline tl = new Timeline();
        // a cold reboot resets the machine inside the same QEMU process, as the hand-over's kexec stays in it
        Guest.Options go = new Guest.Options(1024, 2, "resurrect", Workload.dataFiles(wl), 0, null, Guest.RESET_IN_PLACE);
        List<Object> cold = new ArrayList<>();
        List<Object> criu = new ArrayList<>();
        List<Object> overhead = new ArrayList<>();
        Map<String, Object> errors = new LinkedHashMap<>();
        results.put("live_errors", errors);
        try (Guest g = new Guest(img, dir, go, tl, log)) {
            Accelerator accel = Accelerator.choose(o.accel(), g.spec(), ws.cache(), dir, log);
            g.boot(accel);
            // whether the guest's Java runtime maps the agent's class-data sharing archive (-Xshare:on fails if not)
            SerialConsole.CommandResult cds = g.console().run("cd /opt/ow/lib && /opt/ow/jre/bin/java -Xshare:on "
                    + AGENT_ARCHIVE + " -version 2>&1 | tail -n 1", Duration.ofSeconds(120));
            results.put("guest_cds", cds.exit() == 0 && !cds.output().contains("rror") ? "in use" : "not usable: " + cds.output().strip());
            results.put("guest_agent_jvm_start", jvmStart(g.console()));
            save.run();
            new WorkloadRunner(g.console(), log).start(wl);
            WorkloadRunner.sleep(2000);
            if (o.step("baselines")) {
                results.put("cold_reboot", cold);
                for (int r = 1; r <= o.reps(); r++) {
                    cold.add(coldCycle(g, accel, wl, dir, r, true));
                    save.run();
                }
                // for comparison: the machine powered off and started as a new QEMU process (empty translation cache)
                List<Object> fresh = new ArrayList<>();
                results.put("cold_boot_new_process", fresh);
                for (int r = 1; r <= Math.min(NEW_PROCESS_REPS, o.reps()); r++) {
                    fresh.add(coldCycle(g, accel, wl, dir, r, false));
                    save.run();
                }
                results.put("criu", criu);
                for (int r = 1; r <= o.reps(); r++) {
                    Map<String, Object> c = criuCycle(g.console(), wl, r);
                    criu.add(c);
                    save.run();
                    if (!Boolean.TRUE.equals(c.get("all_ok"))) {
                        break;
                    }
                }
            }
            if (o.step("overhead")) {
                results.put("overhead", overhead);
                stopAll(g.console(), wl);
                for (int r = 1; r <= o.overheadRounds(); r++) {
                    List<Boolean> order = r % 2 == 1 ? List.of(true, false) : List.of(false, true);
                    for (boolean armed : order) {
                        overhead.addAll(overheadRound(g.console(), r, armed));
                        save.run();
                    }
                }
            }
            Files.writeString(dir.resolve("console-last.log"), g.console().all());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            errors.put("aborted", String.valueOf(e.getMessage()).split("\n")[0]);
            log.accept("bench: live guest aborted: " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(dir.resolve("data.img"));
            } catch (IOException ignored) {
                // left behind
            }
        }
    }

    /** The agent's JVM flags in the crash kernel (crash-kernel/otherworld). */
    static final String AGENT_JVM = "/opt/ow/jre/bin/java -XX:+UseSerialGC -Xmx96m -Xss1m -XX:-UsePerfData"
            + " -XX:TieredStopAtLevel=1 -XX:Tier3BackEdgeThreshold=6000";

    /** The agent's own class-data sharing archive as the launcher maps it (crash-kernel/otherworld, in /opt/ow/lib). */
    static final String AGENT_ARCHIVE = "-XX:SharedArchiveFile=otherworld-agent.jsa";

    /**
     * The agent JVM's start-up in the guest ({@code --help}, host-timed console command, run in /opt/ow/lib
     * as the launcher runs it) without class-data sharing ({@code off}) and with the agent's own archive
     * ({@code auto}: {@code -Xshare:auto} plus {@link #AGENT_ARCHIVE}), alternating, {@code reps} times each.
     */
    private List<Object> jvmStart(SerialConsole c) {
        List<Object> out = new ArrayList<>();
        for (int r = 1; r <= o.reps(); r++) {
            for (String share : List.of("off", "auto")) {
                int[] exit = new int[1];
                String flags = share.equals("off") ? " -Xshare:off" : " -Xshare:auto " + AGENT_ARCHIVE;
                long ms = Bench.timed(c, "cd /opt/ow/lib && " + AGENT_JVM + flags + " -jar otherworld-agent.jar --help >/dev/null 2>&1",
                        Duration.ofSeconds(180), exit, null);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("rep", (long) r);
                m.put("xshare", share);
                m.put("exit", (long) exit[0]);
                m.put("ms", ms);
                out.add(m);
                log.accept("bench: agent JVM start in the guest, -Xshare:" + share + ": " + ms + " ms (exit " + exit[0] + ")");
            }
        }
        return out;
    }

    /** Cold boots in a new QEMU process after the in-place reboots, for comparison (not a baseline of the targets). */
    static final int NEW_PROCESS_REPS = 2;

    /**
     * One cold reboot, timed on the host from the sysrq to the first good sessions reply. {@code inPlace}:
     * sysrq-b resets the machine inside the running QEMU process (the baseline); otherwise sysrq-o powers
     * it off, QEMU ends and a new QEMU process boots the same disks.
     */
    private Map<String, Object> coldCycle(Guest g, Accelerator accel, List<Workload> wl, Path dir, int rep,
                                          boolean inPlace) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rep", (long) rep);
        m.put("machine", inPlace ? "reset in the same QEMU process" : "powered off, new QEMU process");
        String label = inPlace ? "cold reboot " + rep : "cold boot in a new QEMU process " + rep;
        Files.writeString(dir.resolve("console-before-" + (inPlace ? "reboot-" : "new-process-") + rep + ".log"),
                g.console().all());
        log.accept("bench: " + label);
        long t0 = System.nanoTime();
        if (inPlace) {
            g.console().send("echo b > /proc/sysrq-trigger");
            g.awaitReset();
        } else {
            g.console().send("echo o > /proc/sysrq-trigger");
            if (!g.vm().waitExit(Duration.ofSeconds(60))) {
                throw new IllegalStateException("the guest did not power off within 60 s of sysrq-o");
            }
            g.vm().close();
            g.boot(accel);
        }
        long booted = System.nanoTime();
        SerialConsole c = g.console();
        new WorkloadRunner(c, log).start(wl);
        long ready = System.nanoTime();
        SerialConsole.CommandResult fr = c.run("cd " + BenchTools.GUEST_ROOT + Bench.FIRST_REQUEST + " && ./poll-server",
                Bench.STEP_TIMEOUT);
        long first = System.nanoTime();
        m.put("first_request_exit", (long) fr.exit());
        m.put("reset_to_booted_ms", (booted - t0) / 1_000_000);
        m.put("booted_to_workloads_started_ms", (ready - booted) / 1_000_000);
        m.put("started_to_first_request_ms", (first - ready) / 1_000_000);
        m.put("total_ms", fr.exit() == 0 ? (first - t0) / 1_000_000 : null);
        Markers.Boot b = Markers.last(Markers.parse(c.all()), "MAIN"); // the boot after this reset
        Long arm = b == null ? null : b.ms("data-mounted", "armed");
        m.put("guest_kernel_up_s", b == null ? null : b.uptime("kernel-up"));
        m.put("guest_arm_ms", arm);
        m.put("total_without_arm_ms", fr.exit() == 0 && arm != null ? (first - t0) / 1_000_000 - arm : null);
        m.put("guest_first_request_uptime_s", Breakdown.FIRST_REQUEST.matcher(fr.output()).results()
                .map(x -> Double.parseDouble(x.group(1))).findFirst().orElse(null));
        log.accept("bench: " + label + ": " + m);
        WorkloadRunner.sleep(2000);
        return m;
    }

    /**
     * The scaling baseline: {@code criu dump} of one workload (a scaling point's process) on a live guest
     * of the point's size, host-timed, once. The guest is booted for it and powered off after.
     */
    Map<String, Object> criuDumpOf(Workload w, int guestMiB, int dataDiskMiB) {
        Path dir = o.out().resolve("live-criu").resolve(w.name());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("guest_mib", (long) guestMiB);
        Guest.Options go = new Guest.Options(guestMiB, 2, "resurrect", Workload.dataFiles(List.of(w)), 0, null,
                Guest.RESET_IN_PLACE);
        try {
            Bench.withDataDisk(dataDiskMiB, () -> {
                try (Guest g = new Guest(img, dir, go, new Timeline(), log)) {
                    g.boot(Accelerator.choose(o.accel(), g.spec(), ws.cache(), dir, log));
                    SerialConsole c = g.console();
                    new WorkloadRunner(c, log).start(List.of(w));
                    String d = criuDump(c, w, m);
                    if ((Long) m.get("dump_exit") != 0) {
                        m.put("log", c.run("tail -n 3 " + d + "/dump.log 2>&1", Duration.ofSeconds(30)).output());
                    }
                }
                return m;
            });
        } catch (RuntimeException e) {
            m.put("error", String.valueOf(e.getMessage()).split("\n")[0]);
        } finally {
            try {
                Files.deleteIfExists(dir.resolve("data.img"));
            } catch (IOException ignored) {
                // left behind
            }
        }
        log.accept("bench: criu dump of " + w.name() + ": " + m);
        return m;
    }

    /**
     * {@code criu dump} of workload {@code w} (it stops) into /data/criu-bench/NAME, host-timed: puts
     * {@code dump_exit}, {@code dump_ms} and {@code images_kib} into {@code into}; returns the directory.
     */
    private static String criuDump(SerialConsole c, Workload w, Map<String, Object> into) {
        String d = "/data/criu-bench/" + w.name();
        String pid = c.run("cat " + w.pidFile(), Duration.ofSeconds(30)).output().strip();
        int[] exit = new int[1];
        long dm = Bench.timed(c, "rm -rf " + d + " && mkdir -p " + d + " && criu dump -t " + pid + " -D " + d
                + " --shell-job -o dump.log", Bench.STEP_TIMEOUT, exit, null);
        into.put("dump_exit", (long) exit[0]);
        into.put("dump_ms", dm);
        into.put("images_kib", Bench.longOrNull(c.run("du -sk " + d + " | cut -f1", Duration.ofSeconds(30)).output().strip()));
        return d;
    }

    /** criu dump (the processes stop) then criu restore of every workload, each host-timed. */
    private Map<String, Object> criuCycle(SerialConsole c, List<Workload> wl, int rep) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rep", (long) rep);
        List<Object> per = new ArrayList<>();
        long dumpMs = 0;
        long restoreMs = 0;
        long kib = 0;
        boolean ok = true;
        for (Workload w : wl) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", w.name());
            String d = criuDump(c, w, e);
            long dm = (Long) e.get("dump_ms");
            int[] exit = new int[1];
            long rm = Bench.timed(c, "criu restore -D " + d + " --shell-job -d -o restore.log", Bench.STEP_TIMEOUT, exit, null);
            e.put("restore_exit", (long) exit[0]);
            e.put("restore_ms", rm);
            boolean good = (Long) e.get("dump_exit") == 0 && (Long) e.get("restore_exit") == 0;
            if (!good) {
                e.put("log", c.run("tail -n 3 " + d + "/dump.log " + d + "/restore.log 2>&1", Duration.ofSeconds(30)).output());
            }
            ok &= good;
            dumpMs += dm;
            restoreMs += rm;
            kib += e.get("images_kib") instanceof Long k ? k : 0;
            per.add(e);
            log.accept("bench: criu " + w.name() + ": dump " + e.get("dump_exit") + " in " + dm + " ms, restore "
                    + e.get("restore_exit") + " in " + rm + " ms, " + e.get("images_kib") + " KiB");
        }
        int[] exit = new int[1];
        long fr = Bench.timed(c, "cd " + BenchTools.GUEST_ROOT + Bench.FIRST_REQUEST + " && ./poll-server",
                Bench.STEP_TIMEOUT, exit, null);
        m.put("workloads", per);
        m.put("dump_ms_total", dumpMs);
        m.put("restore_ms_total", restoreMs);
        m.put("images_kib_total", kib);
        m.put("first_request_after_restore_ms", exit[0] == 0 ? fr : null);
        m.put("all_ok", ok);
        return m;
    }

    private void stopAll(SerialConsole c, List<Workload> wl) {
        WorkloadRunner wr = new WorkloadRunner(c, log);
        for (Workload w : wl) {
            String sid = c.run("cat " + w.pidFile(), Duration.ofSeconds(30)).output().strip();
            if (!sid.matches("\\d+")) {
                continue;
            }
            for (WorkloadRunner.Member m : wr.members(Integer.parseInt(sid))) {
                c.run("kill -9 " + m.pid(), Duration.ofSeconds(30));
            }
        }
    }

    /** The shortest warm-up load before an overhead measurement, in seconds. */
    static final int WARM_UP_MIN_S = 10;

    static int warmUpSeconds(int measureSeconds) {
        return Math.max(WARM_UP_MIN_S, measureSeconds);
    }

    record Server(String name, String kind, int port, String program) {
    }

    static final List<Server> SERVERS = List.of(new Server("kvstore", "kv", 7071, "kvstore"),
            new Server("sessions", "http", 8081, "sessions"));

    /** The demo server's command line (as the trials run it), on the bench's port, optionally unregistered. */
    static String serverCommand(Server s, boolean registered) {
        Workload demo = Workload.sdkDemos().stream().filter(w -> w.name().equals(s.program())).findFirst().orElseThrow();
        String cmd = demo.command();
        int at = cmd.indexOf(" org.otherworld.demo.Main " + s.program() + " ");
        if (at < 0 || !cmd.startsWith("exec java ")) {
            throw new IllegalStateException("unexpected demo command: " + cmd);
        }
        String head = cmd.substring(0, at);
        if (!registered) {
            head = head.replaceFirst("^exec java ", "exec java -Dotherworld.demo.register=false ");
        }
        return head + " org.otherworld.demo.Main " + s.program() + " " + s.port() + " /data/bench/" + s.name();
    }

    /** How long a freshly started demo server may take to answer its first request, in seconds (guest clock). */
    static final int SERVER_UP_S = 240;

    /** Adds whether the server still runs and the end of its log to a failed or erroneous measurement. */
    private static Map<String, Object> serverState(SerialConsole c, Map<String, Object> m, String pidFile, String serverLog) {
        m.put("server_alive", c.run("kill -0 $(cat " + pidFile + ")", Duration.ofSeconds(30)).exit() == 0);
        m.put("server_log", serverLog);
        m.put("server_log_tail", c.run("tail -n 15 " + serverLog, Duration.ofSeconds(30)).output().strip());
        return m;
    }

    private List<Object> overheadRound(SerialConsole c, int round, boolean armed) {
        List<Object> out = new ArrayList<>();
        String loaded = c.run(armed ? "[ \"$(cat /sys/kernel/kexec_crash_loaded)\" = 1 ] || /opt/ow/crash-kernel/arm --mode resurrect >/dev/null"
                : "kexec -p -u", Duration.ofSeconds(120)).output();
        String state = c.run("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(30)).output().strip();
        if (!state.equals(armed ? "1" : "0")) {
            throw new IllegalStateException("could not " + (armed ? "arm" : "unarm") + " the crash kernel: " + loaded.strip());
        }
        String tool = BenchTools.GUEST_ROOT + Bench.FIRST_REQUEST + "/owbench";
        for (Server s : SERVERS) {
            String pidFile = "/data/bench/" + s.name() + ".pid";
            // one log per round and mode, kept: a server that ends early is explained by its own output
            String serverLog = "/data/bench/" + s.name() + "-r" + round + "-" + (armed ? "armed" : "unarmed") + ".log";
            c.check("mkdir -p /data/bench/" + s.name() + " && (setsid sh -c 'echo $$ > " + pidFile + "; " + serverCommand(s, armed)
                    + "' </dev/null >" + serverLog + " 2>&1 &)", Duration.ofSeconds(30));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", (long) round);
            m.put("mode", armed ? "armed" : "unarmed");
            m.put("server", s.name());
            // bounded by the guest's own clock, well inside the console command's timeout: a server that
            // never answers is a failed measurement, and the rounds go on (seen once: the sessions server
            // of round 2 never answered, and a loop counting tries outlived the console's 300 s)
            SerialConsole.CommandResult up = c.run("end=$(( $(cut -d. -f1 /proc/uptime) + " + SERVER_UP_S + " )); until "
                    + tool + " req 127.0.0.1:" + s.port() + " " + s.kind() + " 2>/dev/null; do [ $(cut -d. -f1 /proc/uptime)"
                    + " -ge $end ] && exit 1; sleep 0.1; done", Bench.STEP_TIMEOUT);
            if (up.exit() != 0) {
                m.put("failed", "the server did not answer within " + SERVER_UP_S + " s of its start");
                out.add(serverState(c, m, pidFile, serverLog));
                log.accept("bench: overhead " + m);
                c.run("kill -9 $(cat " + pidFile + "); sleep 1", Duration.ofSeconds(30));
                continue;
            }
            // warm-up (class loading and the JIT of a fresh server JVM, slow under TCG): as long as the
            // measurement, at least WARM_UP_MIN_S; a 2 s warm-up left the first mode of a round measuring a cold JVM
            int warm = warmUpSeconds(o.overheadSeconds());
            SerialConsole.CommandResult warmUp = c.run(tool + " load 127.0.0.1:" + s.port() + " " + s.kind() + " " + warm,
                    Duration.ofSeconds(warm + 60L));
            SerialConsole.CommandResult load = c.run(tool + " load 127.0.0.1:" + s.port() + " " + s.kind() + " "
                    + o.overheadSeconds(), Duration.ofSeconds(o.overheadSeconds() + 60L));
            m.putAll(Bench.keyValues(load.output()));
            Object warmErrors = Bench.keyValues(warmUp.output()).get("errors");
            m.put("warm_up_errors", warmErrors);
            Double requests = m.get("requests") instanceof Number n ? n.doubleValue() : null;
            boolean errors = m.get("errors") instanceof Number n && n.doubleValue() > 0
                    || warmErrors instanceof Number w && w.doubleValue() > 0;
            if (load.exit() != 0 || requests == null || requests == 0) {
                // the server is gone (seen: a demo server JVM ending during the warm-up load, armed or not);
                // the measurement is kept as failed, with the server's last output, and the rounds go on
                m.put("failed", load.exit() != 0 ? "owbench load exit " + load.exit() : "no request answered");
            }
            out.add(errors || m.containsKey("failed") ? serverState(c, m, pidFile, serverLog) : m);
            log.accept("bench: overhead " + m);
            c.run("kill -9 $(cat " + pidFile + "); sleep 1", Duration.ofSeconds(30));
        }
        return out;
    }
}
