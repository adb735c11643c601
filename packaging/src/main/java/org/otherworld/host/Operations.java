package org.otherworld.host;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.otherworld.agent.json.Json;
import org.otherworld.agent.restore.RestoreScript;

/**
 * The host tool's operations: arm, disarm, status, and the two steps around a crash (crash-resurrect
 * in the crash kernel, restore in the next main kernel). The agent's own commands run in-process
 * through {@code agent} (one JVM, which matters in the crash kernel's small memory).
 */
public final class Operations {
    /** Created by crash-resurrect, consumed by restore (otherworld-restore.service's condition). */
    public static final String PENDING = "/var/lib/otherworld/restore-pending";
    /** What the last restore did (written by restore). */
    public static final String LAST = "/var/lib/otherworld/last-restore";
    /** crash-init runs makedumpfile into the directory named here when the agent failed. */
    public static final String DUMP_REQUEST = "/run/otherworld-dump-dir";
    /** The highest resurrected pid or tid, for the hand-over's {@code ow.pidfloor=} (crash-init). */
    public static final String PID_FLOOR = "/run/otherworld-pid-floor";

    private final Host host;
    private final PrintStream out;
    private final Function<List<String>, Integer> agent;

    /**
     * @param agent runs one agent command line and returns its exit status
     */
    public Operations(Host host, PrintStream out, Function<List<String>, Integer> agent) {
        this.host = host;
        this.out = out;
        this.agent = agent;
    }

    private String release() {
        return host.read("/proc/sys/kernel/osrelease").orElse("").strip();
    }

    private boolean crashLoaded() {
        return "1".equals(host.read("/sys/kernel/kexec_crash_loaded").orElse("0").strip());
    }

    private String kexec() {
        return host.firstExisting("/usr/sbin/kexec", "/sbin/kexec").map(p -> host.path(p).toString()).orElse("kexec");
    }

    /** Checks only: 0 when arm would go ahead. */
    public int check(boolean force) {
        List<HostChecks.Check> checks = HostChecks.run(host, force || (crashLoaded() && ArmRecord.read(host).isPresent()));
        checks.forEach(c -> out.println(c.line()));
        long failed = checks.stream().filter(c -> c.level() == HostChecks.Level.FAIL).count();
        return failed == 0 ? 0 : 1;
    }

    /** Records what the crash kernel needs and loads it; 0 when armed. */
    public int arm(boolean force, boolean dryRun) throws IOException {
        if (check(force) != 0) {
            out.println("arm: not armed (fix the FAIL lines above; docs: /usr/share/doc/otherworld/install.md)");
            return 1;
        }
        String release = release();
        String running = host.read("/proc/cmdline").orElse("").strip();
        Map<String, String> items = new LinkedHashMap<>();
        items.put("release", release);
        items.put("kernel", "/boot/vmlinuz-" + release);
        items.put("initrd", "/boot/initrd.img-" + release);
        items.put("main-cmdline", CommandLines.mainCommandLine(running));
        items.put("memmap", CommandLines.memoryMap(running, host.path("/sys/firmware/memmap")));
        String crashCmdline = CommandLines.crashCommandLine(running, Config.load(host).crashCpus());
        items.put("crash-cmdline", crashCmdline);
        items.put("armed-at", DateTimeFormatter.ISO_INSTANT.format(Instant.now()));
        Map<String, byte[]> profile = new LinkedHashMap<>();
        if (HostChecks.majorVersion(release) < HostChecks.KALLSYMS_IN_VMCOREINFO_MAJOR
                || "always".equals(System.getenv("OW_ARM_PROFILE"))) {
            // kernels before 6.0 export no kallsyms tables in VMCOREINFO: this boot's symbols (kernel
            // image only: lines with three fields) and BTF, for `resurrect --profile`
            StringBuilder map = new StringBuilder();
            for (String l : host.read("/proc/kallsyms").orElse("").split("\n")) {
                if (l.trim().split("\\s+").length == 3) {
                    map.append(l).append('\n');
                }
            }
            profile.put("System.map", map.toString().getBytes(StandardCharsets.US_ASCII));
            profile.put("btf", Files.readAllBytes(host.path("/sys/kernel/btf/vmlinux")));
        }
        if (dryRun) {
            items.forEach((k, v) -> out.println("would record " + k + ": " + v));
            out.println("would run: " + kexec() + " -s -p " + items.get("kernel") + " --initrd=" + items.get("initrd")
                    + " --append=" + crashCmdline);
            return 0;
        }
        ArmRecord.write(host, items, profile);
        if (crashLoaded()) {
            host.run(List.of(kexec(), "-p", "-u"), 60);
        }
        // kexec_file_load (-s): the kernel places the crash kernel in its reservation and builds the
        // vmcore's ELF headers from its own view of RAM (right also after a hand-over)
        Host.Result r = host.run(List.of(kexec(), "-s", "-p", host.path(items.get("kernel")).toString(),
                "--initrd=" + host.path(items.get("initrd")), "--append=" + crashCmdline), 120);
        if (!r.ok() || !crashLoaded()) {
            out.println("arm: kexec -s -p failed (exit " + r.code() + "): " + r.output());
            return 1;
        }
        out.println("arm: armed: crash kernel " + release + " loaded (" + items.get("initrd") + "), record in "
                + ArmRecord.DIR);
        return 0;
    }

    /** Unloads the crash kernel and removes the record. */
    public int disarm() throws IOException {
        if (crashLoaded()) {
            Host.Result r = host.run(List.of(kexec(), "-p", "-u"), 60);
            if (!r.ok() || crashLoaded()) {
                out.println("disarm: kexec -p -u failed (exit " + r.code() + "): " + r.output());
                return 1;
            }
        }
        ArmRecord.delete(host);
        out.println("disarm: no crash kernel loaded");
        return 0;
    }

    /** Prints the armed state, the registrations and the last resurrection. */
    public int status(Config cfg) {
        Optional<Map<String, String>> rec = ArmRecord.read(host);
        boolean loaded = crashLoaded();
        String state = loaded && rec.isPresent() ? "armed" : loaded ? "another crash kernel is loaded (not ours)"
                : "not armed";
        out.println("state:        " + state);
        out.println("kernel:       " + release());
        out.println("reservation:  " + HostChecks.mib(HostChecks.crashReservation(host.read("/proc/iomem").orElse(""))));
        rec.ifPresent(r -> out.println("armed at:     " + r.getOrDefault("armed-at", "?") + " (kernel "
                + r.getOrDefault("release", "?") + ")"));
        out.println("state dir:    " + cfg.stateDir());
        List<String> regs = registrations(host.path(cfg.stateDir().toString()).resolve("registrations"));
        out.println("crash procedures registered: " + regs.size());
        regs.forEach(l -> out.println("  " + l));
        out.println("pending restore: " + (host.exists(PENDING) ? "yes" : "no"));
        lastResurrection(host.path(cfg.imageDir().toString())).forEach(out::println);
        host.read(LAST).ifPresent(l -> out.println("last restore: " + l.strip()));
        return 0;
    }

    /** One line per SDK registration record ({@code registrations/PID-START.reg}, docs/sdk.md). */
    static List<String> registrations(Path dir) {
        List<String> lines = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return lines;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".reg")).sorted().toList()) {
                Map<String, String> kv = new LinkedHashMap<>();
                for (String l : Files.readString(p).split("\n")) {
                    int eq = l.indexOf('=');
                    if (!l.startsWith("#") && eq > 0) {
                        kv.put(l.substring(0, eq), l.substring(eq + 1));
                    }
                }
                String cmd = kv.getOrDefault("cmdline", "").replace("\t", " ").replace("\\t", " ");
                lines.add("pid " + kv.getOrDefault("pid", "?") + " policy " + kv.getOrDefault("policy", "?")
                        + " procedures " + kv.getOrDefault("procedures", "?") + " cmd " + cmd);
            }
        } catch (IOException e) {
            lines.add("(cannot read " + dir + ": " + e.getMessage() + ")");
        }
        return lines;
    }

    /** Summary lines of the agent's report.json and the restorer's restore.json in {@code imageDir}. */
    @SuppressWarnings("unchecked")
    static List<String> lastResurrection(Path imageDir) {
        List<String> lines = new ArrayList<>();
        Path report = imageDir.resolve("report.json");
        if (!Files.isRegularFile(report)) {
            lines.add("last resurrection: none (" + report + " absent)");
            return lines;
        }
        try {
            Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(report));
            Map<String, Object> totals = (Map<String, Object>) r.getOrDefault("totals", Map.of());
            lines.add("last resurrection: " + r.get("status") + ", crash of kernel " + r.get("kernel") + " at "
                    + r.get("crash_time") + ": " + totals.get("resurrected") + " of " + totals.get("processes")
                    + " processes in " + totals.get("trees") + " trees (" + report + ")");
            Path restore = imageDir.resolve("restore.json");
            if (Files.isRegularFile(restore)) {
                Map<String, Object> s = (Map<String, Object>) Json.parse(Files.readString(restore));
                lines.add("  restore: " + s.get("sets_restored") + " sets restored, " + s.get("sets_failed")
                        + " failed, " + s.get("reports_delivered") + " crash-procedure reports delivered");
                for (Object set : (List<Object>) s.getOrDefault("sets", List.of())) {
                    for (Object p : (List<Object>) ((Map<String, Object>) set).getOrDefault("processes", List.of())) {
                        Map<String, Object> pm = (Map<String, Object>) p;
                        lines.add("  pid " + pm.get("pid") + " " + pm.get("comm") + ": "
                                + (Boolean.TRUE.equals(pm.get("restored")) ? "restored" : "NOT restored"));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            lines.add("last resurrection: unreadable report " + report + ": " + e.getMessage());
        }
        return lines;
    }

    /** In the crash kernel: the agent with the configured options; asks crash-init for a dump on failure. */
    public int crashResurrect(Config cfg) throws IOException {
        Path images = host.path(cfg.imageDir().toString());
        Path previous = images.resolveSibling(images.getFileName() + ".previous");
        ArmRecord.deleteTree(previous);
        if (Files.exists(images)) {
            Files.move(images, previous);
        }
        Files.createDirectories(images);
        Path policy = null;
        if (cfg.customPolicy()) {
            policy = images.resolve("policy.txt");
            Files.writeString(policy, cfg.policyText(Config.builtInPolicy()));
        }
        List<String> args = new ArrayList<>(cfg.resurrectArgs(policy));
        Path profile = host.path(ArmRecord.DIR).resolve("profile");
        if (Files.isDirectory(profile)) {
            args.addAll(List.of("--profile", profile.toString()));
        }
        out.println("crash-resurrect: otherworld " + String.join(" ", args));
        int rc = agent.apply(args);
        if (rc == 0) {
            long floor = pidFloor(images.resolve("report.json"));
            if (floor > 0) {
                Files.createDirectories(host.path(PID_FLOOR).getParent());
                Files.writeString(host.path(PID_FLOOR), floor + "\n");
            }
            Files.writeString(host.path(PENDING), DateTimeFormatter.ISO_INSTANT.format(Instant.now()) + "\n");
        } else if (cfg.keepVmcore()) {
            String dir = cfg.get("vmcore-dir") + "/" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                    .withZone(ZoneOffset.UTC).format(Instant.now());
            Files.createDirectories(host.path(DUMP_REQUEST).getParent());
            Files.writeString(host.path(DUMP_REQUEST), dir + " " + cfg.get("dump-level") + "\n");
            out.println("crash-resurrect: agent failed (exit " + rc + "); a makedumpfile dump goes to " + dir);
        }
        return rc;
    }

    /**
     * The highest pid or tid among the processes the agent resurrected (its report.json), 0 when none
     * or unreadable: the next boot moves its pid allocator above it so that criu finds them free.
     */
    @SuppressWarnings("unchecked")
    static long pidFloor(Path report) {
        long max = 0;
        try {
            Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(report));
            for (Object o : (List<Object>) r.getOrDefault("processes", List.of())) {
                Map<String, Object> p = (Map<String, Object>) o;
                if (!Boolean.TRUE.equals(p.get("resurrect"))) {
                    continue;
                }
                max = Math.max(max, ((Number) p.get("pid")).longValue());
                for (Object t : (List<Object>) p.getOrDefault("threads", List.of())) {
                    Object tid = ((Map<String, Object>) t).get("tid");
                    if (tid instanceof Number n) {
                        max = Math.max(max, n.longValue());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return max;
    }

    /** Bound on the agent's restore.sh as a whole (otherworld-restore.service allows 15 min). */
    static final long SCRIPT_TIMEOUT_S = 14 * 60;

    /**
     * In the main kernel after a hand-over: criu restore of what the crash kernel wrote, through the
     * agent's restore.sh when it wrote one, then the crash-procedure reports.
     */
    public int restore(Config cfg) throws IOException {
        if (!host.exists(PENDING)) {
            out.println("restore: nothing pending (" + PENDING + " absent)");
            return 0;
        }
        host.read("/var/lib/otherworld/crash.log").ifPresent(l -> {
            for (String line : l.split("\n")) {
                out.println("crash kernel: " + line);
            }
        });
        List<String> args = new ArrayList<>(cfg.restoreArgs());
        Path images = host.path(cfg.imageDir().toString());
        Path script = images.resolve(RestoreScript.FILE);
        if (Files.isRegularFile(script)) {
            // the agent's script restores independent sets at once (one criu per CPU, parents' sets first);
            // the restore tool then takes its outcomes and only delivers the reports
            Files.deleteIfExists(images.resolve(RestoreScript.OUTCOMES));
            Host.Result r = host.run(List.of("env", "OW_SET_TIMEOUT=" + cfg.get("restore-timeout"), "sh", script.toString()),
                    SCRIPT_TIMEOUT_S);
            r.output().lines().forEach(l -> out.println("restore.sh: " + l));
            if (Files.isRegularFile(images.resolve(RestoreScript.OUTCOMES))) {
                args.add("--outcomes");
                args.add(images.resolve(RestoreScript.OUTCOMES).toString());
            } else {
                out.println("restore: restore.sh recorded no outcomes (exit " + r.code() + "): the restore tool runs criu itself");
            }
        }
        int rc = agent.apply(args);
        lastResurrection(images).forEach(out::println);
        Files.writeString(host.path(LAST), DateTimeFormatter.ISO_INSTANT.format(Instant.now()) + " exit " + rc + "\n");
        Files.delete(host.path(PENDING));
        return rc;
    }
}
