package org.otherworld.agent.restore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.otherworld.agent.json.Json;
import org.otherworld.agent.plan.SetManifest;

/**
 * The fresh main kernel's step: restores every image set of the resurrection directory with
 * {@code criu restore}, parents' sets first ({@link RestoreOrder}), then delivers the crash-procedure
 * reports of the restored processes that registered with the SDK (report file, then SIGPWR), and writes
 * {@code restore.json}. A set that fails does not stop the others.
 *
 * <p>criu is run as {@code criu restore -D SET -d -o criu-restore.log -v4 [--shell-job]}: {@code -d}
 * (--restore-detached) lets criu exit once the tree runs, the tree being adopted by init; original pids
 * are criu's default (clone3 set_tid); {@code --shell-job} only when a session or process-group leader
 * is outside the set (criu otherwise refuses it); {@code --tcp-established} when the set holds an
 * established TCP connection (a {@code tcp-stream-*.img}).
 */
public final class Restorer {
    /** criu's log file inside each set. */
    public static final String CRIU_LOG = "criu-restore.log";
    /** criu's stdout and stderr inside each set. */
    public static final String CRIU_OUT = "criu-restore.out";

    /**
     * Configuration.
     *
     * @param images   the resurrection directory (one sub-directory per set)
     * @param stateDir the SDK state directory (reports), or null to deliver nothing
     * @param criu     the criu command (a path or a name on PATH)
     * @param kill     the command sending a signal: run as {@code kill -PWR PID}
     * @param timeout  per set
     * @param lastPidFile the kernel's pid allocator cursor ({@code /proc/sys/kernel/ns_last_pid}), or null
     *                    to leave it alone
     * @param outcomes    the outcomes file of {@link RestoreScript} when the script already ran criu for every
     *                    set (then nothing is run again: its exit codes are taken), or null to run criu here
     */
    public record Options(Path images, Path stateDir, String criu, String kill, Duration timeout, Path lastPidFile,
                          Path outcomes) {
        public Options(Path images, Path stateDir, String criu, String kill, Duration timeout, Path lastPidFile) {
            this(images, stateDir, criu, kill, timeout, lastPidFile, null);
        }
    }

    private final Options o;
    private final Consumer<String> log;

    public Restorer(Options o, Consumer<String> log) {
        this.o = o;
        this.log = log;
    }

    /** The sets under the images directory, each with a readable manifest; bad ones go to {@code errors}. */
    public static List<ImageSetEntry> find(Path images, List<String> errors) throws IOException {
        List<ImageSetEntry> out = new ArrayList<>();
        if (!Files.isDirectory(images)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(images)) {
            for (Path d : ds) {
                if (!Files.isDirectory(d) || !Files.exists(d.resolve(SetManifest.FILE))) {
                    continue;
                }
                try {
                    out.add(ImageSetEntry.read(d));
                } catch (IOException e) {
                    errors.add(e.getMessage());
                }
            }
        }
        return out;
    }

    /** Restores everything; returns the report (also written to {@code images/restore.json}). */
    public Map<String, Object> run() throws IOException {
        long t0 = System.nanoTime();
        List<String> errors = new ArrayList<>();
        List<ImageSetEntry> sets = RestoreOrder.order(find(o.images(), errors));
        Map<Integer, RestoreScript.Outcome> ran = null;
        if (o.outcomes() != null) {
            ran = RestoreScript.readOutcomes(o.outcomes(), errors);
        } else {
            reservePids(sets, errors);
        }
        List<Object> setReports = new ArrayList<>();
        int restored = 0;
        int failed = 0;
        int delivered = 0;
        for (ImageSetEntry s : sets) {
            Map<String, Object> r = ran == null ? restoreOne(s) : recordOne(s, ran.get(s.root()));
            setReports.add(r);
            if (Boolean.TRUE.equals(r.get("restored"))) {
                restored++;
            } else {
                failed++;
            }
        }
        // reports go out only once every set is back: a crash procedure that runs at once starts
        // threads and processes, whose new pids could take the original pids of sets still to restore
        for (int i = 0; i < sets.size(); i++) {
            delivered += deliverAll(sets.get(i), setReports.get(i));
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("images", o.images().toString());
        report.put("sets", setReports);
        report.put("sets_restored", (long) restored);
        report.put("sets_failed", (long) failed);
        report.put("reports_delivered", (long) delivered);
        report.put("errors", errors);
        report.put("total_ms", (System.nanoTime() - t0) / 1_000_000);
        if (Files.isDirectory(o.images())) {
            Files.writeString(o.images().resolve("restore.json"), Json.write(report));
        }
        log.accept(String.format("restore: %d of %d sets restored, %d reports delivered, %d ms", restored,
                sets.size(), delivered, report.get("total_ms")));
        return report;
    }

    /**
     * Moves the kernel's pid allocator past every pid and tid the image sets need, so that nothing
     * started meanwhile (criu itself, its helpers, a restored process's new threads) takes one of them:
     * criu places each restored task at its original pid, and fails with EEXIST when it is taken.
     */
    private void reservePids(List<ImageSetEntry> sets, List<String> errors) {
        int max = sets.stream().mapToInt(ImageSetEntry::maxId).max().orElse(0);
        if (max <= 0 || o.lastPidFile() == null) {
            return;
        }
        try {
            int last = Integer.parseInt(Files.readString(o.lastPidFile()).strip());
            if (last < max) {
                Files.writeString(o.lastPidFile(), Integer.toString(max));
                log.accept("restore: fresh pids start above " + max + " (were at " + last + ")");
            }
        } catch (IOException | NumberFormatException e) {
            errors.add("cannot reserve pids up to " + max + " in " + o.lastPidFile() + ": " + e.getMessage());
        }
    }

    /** The criu command line for a set. */
    public List<String> criuCommand(ImageSetEntry s) {
        List<String> cmd = new ArrayList<>(List.of(o.criu(), "restore", "-D", s.dir().toString()));
        cmd.addAll(COMMON_ARGS);
        cmd.addAll(setArgs(s));
        return cmd;
    }

    /** The arguments every set's restore gets after {@code -D DIR}. */
    static final List<String> COMMON_ARGS = List.of("-d", "-o", CRIU_LOG, "-v4");

    /** The arguments that depend on the set: {@code --shell-job}, {@code --tcp-established}. */
    static List<String> setArgs(ImageSetEntry s) {
        List<String> a = new ArrayList<>();
        if (s.shellJob()) {
            a.add("--shell-job");
        }
        if (hasTcpStreams(s.dir())) {
            a.add("--tcp-established"); // criu refuses "Connected TCP socket in image" without it
        }
        return a;
    }

    /** Whether the set holds an established TCP connection (a tcp-stream-INO.img, see InetSockets). */
    static boolean hasTcpStreams(Path dir) {
        try (var s = java.nio.file.Files.newDirectoryStream(dir, "tcp-stream-*.img")) {
            return s.iterator().hasNext();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** A set the restore script ran criu for: its recorded exit code and time, no criu run here. */
    private Map<String, Object> recordOne(ImageSetEntry s, RestoreScript.Outcome ran) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("root", (long) s.root());
        r.put("dir", s.dir().toString());
        r.put("command", String.join(" ", criuCommand(s)) + " (run by " + RestoreScript.FILE + ")");
        if (ran == null) {
            return finish(s, r, -1, 0, "not restored: " + RestoreScript.FILE + " recorded no outcome for this set");
        }
        return finish(s, r, ran.exit(), ran.ms(), null);
    }

    private Map<String, Object> restoreOne(ImageSetEntry s) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("root", (long) s.root());
        r.put("dir", s.dir().toString());
        long t = System.nanoTime();
        List<String> cmd = criuCommand(s);
        r.put("command", String.join(" ", cmd));
        int code;
        String error = null;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(s.dir().resolve(CRIU_OUT).toFile()).start();
            if (!p.waitFor(o.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                code = -1;
                error = "criu did not finish within " + o.timeout().toSeconds() + " s";
            } else {
                code = p.exitValue();
            }
        } catch (IOException e) {
            code = -1;
            error = "cannot run " + o.criu() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = -1;
            error = "interrupted";
        }
        return finish(s, r, code, (System.nanoTime() - t) / 1_000_000, error);
    }

    /** Completes a set's report from criu's exit code, time and any error of running it. */
    private Map<String, Object> finish(ImageSetEntry s, Map<String, Object> r, int code, long ms, String error) {
        r.put("exit", (long) code);
        r.put("ms", ms);
        boolean ok = code == 0;
        r.put("restored", ok);
        if (!ok && error == null) {
            error = "criu restore exited with " + code + ": " + criuError(s.dir());
        }
        r.put("error", error);
        log.accept("set " + s.root() + ": " + (ok ? "restored in " + ms + " ms" : error));
        if (!ok) {
            for (String l : criuLogTail(s.dir(), 25)) {
                log.accept("  criu| " + l);
            }
        }
        List<Object> procs = new ArrayList<>();
        for (ImageSetEntry.Member m : s.processes()) {
            Map<String, Object> pr = new LinkedHashMap<>();
            pr.put("pid", (long) m.pid());
            pr.put("comm", m.comm());
            pr.put("restored", ok);
            pr.put("crash_procedure", m.crashProcedure());
            pr.put("report_delivered", false);
            pr.put("delivery_error", null);
            procs.add(pr);
        }
        r.put("processes", procs);
        r.put("reports_delivered", 0L);
        return r;
    }

    /** Delivers the reports of a restored set's registered processes; returns how many went out. */
    @SuppressWarnings("unchecked")
    private int deliverAll(ImageSetEntry s, Object setReport) {
        Map<String, Object> r = (Map<String, Object>) setReport;
        if (!Boolean.TRUE.equals(r.get("restored")) || o.stateDir() == null) {
            return 0;
        }
        List<Object> procs = (List<Object>) r.get("processes");
        int delivered = 0;
        for (int i = 0; i < s.processes().size(); i++) {
            ImageSetEntry.Member m = s.processes().get(i);
            if (!m.registered()) {
                continue;
            }
            Map<String, Object> pr = (Map<String, Object>) procs.get(i);
            String delivery = deliver(s, m);
            pr.put("report_delivered", delivery == null);
            pr.put("delivery_error", delivery);
            if (delivery == null) {
                delivered++;
            }
        }
        r.put("reports_delivered", (long) delivered);
        return delivered;
    }

    /** Writes the report and signals the process; null on success, else the error. */
    private String deliver(ImageSetEntry s, ImageSetEntry.Member m) {
        long downtime = 0;
        if (s.crashTime() != null) {
            try {
                downtime = Duration.between(Instant.parse(s.crashTime()), Instant.now()).toMillis();
            } catch (DateTimeParseException e) {
                downtime = 0;
            }
        }
        try {
            String text = ReportFile.text(m.pid(), s.crashTime() == null ? Instant.EPOCH.toString() : s.crashTime(),
                    downtime, s.panic(), m.faulty(), m.unrestored());
            ReportFile.write(o.stateDir(), m.pid(), text);
            Process k = new ProcessBuilder(o.kill(), "-PWR", String.valueOf(m.pid())).redirectErrorStream(true).start();
            if (!k.waitFor(10, TimeUnit.SECONDS)) {
                k.destroyForcibly();
                return "kill -PWR " + m.pid() + " did not finish";
            }
            if (k.exitValue() != 0) {
                return "kill -PWR " + m.pid() + " failed: "
                        + new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            log.accept("report delivered to " + m.pid());
            return null;
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** criu "Error" lines that come from its feature probes at start-up, not from the restore itself. */
    static final List<String> BENIGN = List.of("util.c:642", "tun.c:", "kerndat", "Unable to create tun");

    /** The most telling lines of criu's log: its last non-probe "Error" lines, or its output's last line. */
    static String criuError(Path dir) {
        for (String name : List.of(CRIU_LOG, CRIU_OUT)) {
            Path f = dir.resolve(name);
            try {
                if (!Files.exists(f)) {
                    continue;
                }
                List<String> lines = Files.readAllLines(f, StandardCharsets.ISO_8859_1);
                List<String> errs = lines.stream().filter(l -> l.contains("Error") || l.contains("error"))
                        .filter(l -> BENIGN.stream().noneMatch(l::contains)).toList();
                if (!errs.isEmpty()) {
                    return String.join(" | ", errs.subList(Math.max(0, errs.size() - 3), errs.size()));
                }
                if (!lines.isEmpty()) {
                    return lines.get(lines.size() - 1);
                }
            } catch (IOException e) {
                // try the other file
            }
        }
        return "no log";
    }

    /** The last {@code n} lines of criu's log, for the console. */
    static List<String> criuLogTail(Path dir, int n) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(CRIU_LOG), StandardCharsets.ISO_8859_1);
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            return List.of();
        }
    }
}
