package org.otherworld.vmtest.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The downtime of one trial split into phases, from three clocks: the host's (the trial's
 * {@code timeline_ms}), the guest kernels' own uptime in their console markers, and the agent's
 * {@code phases_ms} in its report. Each phase says which clock it is from ({@link #SOURCES}); a phase
 * whose inputs were not observed is null, never guessed.
 */
public final class Breakdown {
    /** The phases in order, each with where its number comes from. */
    public static final Map<String, String> SOURCES = sources();

    /** The restore tool's summary line, as main-init copies it to the console. */
    static final Pattern RESTORER_TOTAL = Pattern.compile("restore: \\d+ of \\d+ sets restored, \\d+ reports delivered, (\\d+) ms");
    /** The restore tool's own start latency (JvmStart in the agent's cli). */
    static final Pattern RESTORER_JVM = Pattern.compile("restore: JVM started in (\\d+) ms");
    /** The agent's own line in the crash kernel's console copy of its log. */
    static final Pattern AGENT_JVM = Pattern.compile("resurrect: JVM started in (\\d+) ms");
    static final Pattern FIRST_REQUEST = Pattern.compile("first_request_uptime=(\\d+(?:\\.\\d+)?)");

    private Breakdown() {
    }

    private static Map<String, String> sources() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("panic_to_crash_kernel_init", "host: fault command sent -> crash kernel's init prints kernel-up");
        s.put("crash_kernel_boot", "guest: crash kernel's uptime at kernel-up (part of the row above)");
        s.put("crash_kernel_setup", "guest (crash kernel): kernel-up -> agent-start (modules, mount /data)");
        s.put("agent_jvm_start", "guest+agent: agent-start -> agent-exit minus the agent's own total");
        s.put("agent_jvm_to_command", "agent: its JVM's exec -> the resurrect command's first line (part of the row above)");
        s.put("extraction", "agent: open vmcore + read processes + plan + write images");
        s.put("dirty_page_flush", "agent: write the dead kernel's dirty file pages back to /data");
        s.put("handover_prepare", "guest (crash kernel): agent-exit -> handover-kexec (kexec load, sync, umount)");
        s.put("kexec_to_main_kernel_init", "host: agent-exit -> main kernel's init prints kernel-up, minus handover_prepare");
        s.put("main_kernel_boot", "guest: fresh main kernel's uptime at kernel-up (part of the row above)");
        s.put("main_init_to_restore", "guest (main kernel): kernel-up -> restore-start (modules, mount /data)");
        s.put("restore", "guest (main kernel): restore-start -> restore-exit (criu restore of every image set)");
        s.put("restore_sets", "guest (main kernel): restore-start -> restore-sets-done (the agent's restore.sh: criu "
                + "restore of every set, no JVM; part of restore)");
        s.put("restore_jvm_start", "restore tool: its JVM's exec -> its first line of work (part of restore)");
        s.put("restorer_own_total", "restore tool: its own total (criu restore of every set unless restore.sh ran them, "
                + "report delivery; part of restore)");
        s.put("restore_jvm_exit", "restore minus the three rows above: the tool's JVM exit and the console copies of the logs");
        s.put("rearm_to_booted", "guest (main kernel): restore-exit -> booted (arming the crash kernel again; the restored "
                + "applications already run)");
        s.put("restore_start_to_first_request", "guest (main kernel): restore-start -> first good sessions reply seen by the "
                + "resurrected watcher client (owbench watch, asking every 0.1 s)");
        s.put("total_to_restore_exit", "host: fault command sent -> restore-exit");
        s.put("total_to_first_request", "host+guest: fault command sent -> first good sessions reply");
        return s;
    }

    /** The phases of one trial report; {@code console} is the trial's console.log. */
    @SuppressWarnings("unchecked")
    public static Map<String, Long> of(Map<String, Object> trialReport, String console) {
        List<Markers.Boot> boots = Markers.parse(console);
        Markers.Boot crash = Markers.nth(boots, "CRASH", 0);
        Markers.Boot main2 = Markers.nth(boots, "MAIN", 1);
        Map<String, Object> tl = map(trialReport.get("timeline_ms"));
        Map<String, Object> host = map(trialReport.get("phases_ms"));
        Map<String, Object> agent = map(map(trialReport.get("agent_report")).get("phases_ms"));
        Map<String, Long> p = new LinkedHashMap<>();
        p.put("panic_to_crash_kernel_init", num(host.get("panic_to_crash_kernel")));
        p.put("crash_kernel_boot", crash == null ? null : secMs(crash.uptime("kernel-up")));
        p.put("crash_kernel_setup", crash == null ? null : crash.ms("kernel-up", "agent-start"));
        Long agentWall = crash == null ? null : crash.ms("agent-start", "agent-exit");
        Long agentTotal = num(agent.get("total"));
        p.put("agent_jvm_start", minus(agentWall, agentTotal));
        Matcher aj = AGENT_JVM.matcher(console);
        p.put("agent_jvm_to_command", aj.find() ? Long.parseLong(aj.group(1)) : null);
        p.put("extraction", sum(num(agent.get("open")), num(agent.get("read")), num(agent.get("plan")), num(agent.get("images"))));
        p.put("dirty_page_flush", num(agent.get("flush")));
        Long prepare = crash == null ? null : crash.ms("agent-exit", "handover-kexec");
        p.put("handover_prepare", prepare);
        p.put("kexec_to_main_kernel_init", minus(between(tl, "agent-exit", "main-kernel-2"), prepare));
        p.put("main_kernel_boot", main2 == null ? null : secMs(main2.uptime("kernel-up")));
        p.put("main_init_to_restore", main2 == null ? null : main2.ms("kernel-up", "restore-start"));
        Long restore = main2 == null ? null : main2.ms("restore-start", "restore-exit");
        p.put("restore", restore);
        Long sets = main2 == null ? null : main2.ms("restore-start", "restore-sets-done");
        p.put("restore_sets", sets);
        Matcher rj = RESTORER_JVM.matcher(console);
        Long jvm = rj.find() ? Long.parseLong(rj.group(1)) : null;
        p.put("restore_jvm_start", jvm);
        Matcher rt = RESTORER_TOTAL.matcher(console);
        Long own = rt.find() ? Long.parseLong(rt.group(1)) : null;
        p.put("restorer_own_total", own);
        p.put("restore_jvm_exit", minus(minus(minus(restore, sets == null ? 0L : sets), jvm), own));
        p.put("rearm_to_booted", main2 == null ? null : main2.ms("restore-exit", "booted"));
        Double first = firstRequestUptime(trialReport);
        p.put("restore_start_to_first_request", main2 == null || first == null || main2.uptime("restore-start") == null ? null
                : Math.round((first - main2.uptime("restore-start")) * 1000));
        p.put("total_to_restore_exit", num(host.get("total_downtime")));
        Long toMain = between(tl, "crash", "main-kernel-2");
        p.put("total_to_first_request", toMain == null || first == null || main2 == null || main2.uptime("kernel-up") == null
                ? null : toMain - Math.round(main2.uptime("kernel-up") * 1000) + Math.round(first * 1000));
        return p;
    }

    /** The guest uptime (main kernel after the hand-over) at which the first-request probe got a good reply. */
    @SuppressWarnings("unchecked")
    static Double firstRequestUptime(Map<String, Object> trialReport) {
        if (!(trialReport.get("processes") instanceof List<?> ps)) {
            return null;
        }
        for (Object o : ps) {
            Map<String, Object> p = (Map<String, Object>) o;
            if (Bench.FIRST_REQUEST.equals(p.get("name")) && p.get("detail") instanceof String d) {
                Matcher m = FIRST_REQUEST.matcher(d);
                if (m.find()) {
                    return Double.parseDouble(m.group(1));
                }
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static Long num(Object o) {
        return o instanceof Number n ? n.longValue() : null;
    }

    static Long between(Map<String, Object> tl, String a, String b) {
        Long x = num(tl.get(a));
        Long y = num(tl.get(b));
        return x == null || y == null ? null : y - x;
    }

    private static Long secMs(Double s) {
        return s == null ? null : Math.round(s * 1000);
    }

    private static Long minus(Long a, Long b) {
        return a == null || b == null ? null : a - b;
    }

    private static Long sum(Long... xs) {
        long s = 0;
        for (Long x : xs) {
            if (x == null) {
                return null;
            }
            s += x;
        }
        return s;
    }
}
