package org.otherworld.vmtest.campaign;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Classifies a fault-injection run from the trial's {@code report.json} (as parsed JSON) and the
 * guest's console log. The rules, in order:
 * <ol>
 * <li>no report, or no {@code crash} event in its timeline: {@link Outcome#INVALID} (the fault was never injected);</li>
 * <li>the crash kernel never reported in ("OW-CRASH kernel-up"): if the kernel panicked (a panic,
 *     an oops with panic_on_oops=1, or the crash kernel's own boot line) {@link Outcome#CRASH_KERNEL_NO_BOOT};
 *     else the {@code no_panic_check} decides: workloads fine means {@link Outcome#NOT_MANIFESTED},
 *     anything else {@link Outcome#SILENT_FAILURE};</li>
 * <li>the crash kernel ran: a missing phase, a workload that is not running again, or a trial that
 *     never got back to a main kernel is {@link Outcome#RESURRECTION_FAILED} (naming the first failed
 *     phase); all running but a state check failing is {@link Outcome#DATA_CORRUPTION}; verdict pass
 *     is {@link Outcome#SUCCESS}.</li>
 * </ol>
 */
public final class OutcomeClassifier {
    private static final Pattern PANICKED = Pattern.compile("Kernel panic|Oops: |elfcorehdr=");
    private static final Pattern SYMPTOM = Pattern.compile("(?m)^(?:\\[[ \\d.]+\\] )?((?:watchdog: )?BUG: .*|general protection fault.*"
            + "|kernel BUG at .*|invalid opcode: .*|Kernel panic - not syncing: .*|INFO: task .* blocked for more than.*"
            + "|WARNING: .*|stack segment: .*|double fault: .*|Oops: .*)$");
    private static final Pattern RIP = Pattern.compile("(?m)RIP: 0010:([A-Za-z0-9_.]+)");
    private static final List<String> PHASE_ORDER = List.of("extraction", "images", "handover", "restore");

    private OutcomeClassifier() {
    }

    @SuppressWarnings("unchecked")
    public static Classification classify(Map<String, Object> report, String console) {
        String con = console == null ? "" : console;
        String symptom = symptom(con);
        if (report == null) {
            return new Classification(Outcome.INVALID, null, "no report.json was written", symptom);
        }
        List<Object> notes = list(report.get("notes"));
        Map<String, Object> timeline = map(report.get("timeline_ms"));
        if (timeline == null || !timeline.containsKey("crash")) {
            return new Classification(Outcome.INVALID, null, notes.isEmpty() ? "the fault was not injected" : first(notes), symptom);
        }
        boolean crashKernelUp = timeline.containsKey("crash-kernel") || con.contains("OW-CRASH kernel-up");
        if (!crashKernelUp) {
            if (PANICKED.matcher(con).find()) {
                return new Classification(Outcome.CRASH_KERNEL_NO_BOOT, null,
                        "the kernel panicked but the crash kernel did not report in" + (symptom == null ? "" : " (" + symptom + ")"),
                        symptom);
            }
            Map<String, Object> npc = map(report.get("no_panic_check"));
            if (npc != null && Boolean.TRUE.equals(npc.get("workloads_ok"))) {
                return new Classification(Outcome.NOT_MANIFESTED, null, null, symptom);
            }
            return new Classification(Outcome.SILENT_FAILURE, null, silentCause(npc, notes), symptom);
        }
        if ("pass".equals(report.get("verdict"))) {
            return new Classification(Outcome.SUCCESS, null, null, symptom);
        }
        String phase = failedPhase(report, timeline);
        if (phase != null) {
            return new Classification(Outcome.RESURRECTION_FAILED, phase, phaseCause(phase, notes), symptom);
        }
        List<Object> procs = list(report.get("processes"));
        for (Object o : procs) {
            Map<String, Object> p = (Map<String, Object>) o;
            if (!Boolean.TRUE.equals(p.get("resurrected"))) {
                return notRunning(p, map(report.get("agent_report")), symptom);
            }
        }
        for (Object o : procs) {
            Map<String, Object> p = (Map<String, Object>) o;
            if (!"pass".equals(p.get("state_check"))) {
                return new Classification(Outcome.DATA_CORRUPTION, null, "workload " + p.get("name")
                        + " state check failed: " + firstLine(p.get("detail")), symptom);
            }
        }
        // verdict fail, nothing specific: report it as a failure of the last phase, with the notes
        return new Classification(Outcome.RESURRECTION_FAILED, "restore", notes.isEmpty() ? "verdict fail" : first(notes), symptom);
    }

    /**
     * A workload that does not run after the hand-over: the agent's report says whether it chose not to
     * resurrect it (phase extraction, with the agent's reason), failed writing its images (phase images),
     * or planned it and the restore did not bring it back (phase restore).
     */
    @SuppressWarnings("unchecked")
    private static Classification notRunning(Map<String, Object> p, Map<String, Object> agent, String symptom) {
        Object pid = p.get("pid");
        if (agent != null && pid != null) {
            for (Object o : list(agent.get("processes"))) {
                Map<String, Object> ap = (Map<String, Object>) o;
                if (!String.valueOf(pid).equals(String.valueOf(ap.get("pid")))) {
                    continue;
                }
                if (ap.get("error") != null) {
                    return new Classification(Outcome.RESURRECTION_FAILED, "images", "the agent failed on workload "
                            + p.get("name") + ": " + firstLine(ap.get("error")), symptom);
                }
                if (!Boolean.TRUE.equals(ap.get("resurrect"))) {
                    return new Classification(Outcome.RESURRECTION_FAILED, "extraction", "the agent did not resurrect workload "
                            + p.get("name") + ": " + firstLine(ap.get("reason")), symptom);
                }
            }
        }
        return new Classification(Outcome.RESURRECTION_FAILED, "restore", "workload " + p.get("name")
                + " not running after the hand-over: " + firstLine(p.get("detail")), symptom);
    }

    /** The first failed phase: from missing_phases (extraction refined by the agent's own report), else from the timeline. */
    @SuppressWarnings("unchecked")
    static String failedPhase(Map<String, Object> report, Map<String, Object> timeline) {
        List<Object> missing = list(report.get("missing_phases"));
        for (String ph : PHASE_ORDER) {
            if (missing.contains(ph)) {
                if (ph.equals("extraction")) {
                    Map<String, Object> agent = map(report.get("agent_report"));
                    List<Object> agentMissing = agent == null ? List.of() : list(agent.get("missing"));
                    if (!agentMissing.contains("extraction") && agentMissing.contains("images")) {
                        return "images";
                    }
                }
                return ph;
            }
        }
        if (!timeline.containsKey("agent-exit")) {
            return "extraction";
        }
        if (!timeline.containsKey("main-kernel-2")) {
            return "handover";
        }
        if (!timeline.containsKey("restore-exit")) {
            return "restore";
        }
        return null;
    }

    private static String phaseCause(String phase, List<Object> notes) {
        String key = switch (phase) {
            case "extraction", "images" -> "agent";
            case "handover" -> "hand-over|fresh main kernel";
            default -> "restore";
        };
        Pattern k = Pattern.compile(key);
        for (Object n : notes) {
            if (k.matcher(String.valueOf(n)).find()) {
                return String.valueOf(n);
            }
        }
        return notes.isEmpty() ? "phase " + phase + " not observed" : first(notes);
    }

    @SuppressWarnings("unchecked")
    private static String silentCause(Map<String, Object> npc, List<Object> notes) {
        if (npc == null) {
            return notes.isEmpty() ? "no panic and no check of the guest" : first(notes);
        }
        if (!Boolean.TRUE.equals(npc.get("responsive"))) {
            return "the guest stopped answering on its console without a panic";
        }
        for (Object o : list(npc.get("workloads"))) {
            Map<String, Object> w = (Map<String, Object>) o;
            if (!"pass".equals(w.get("state_check"))) {
                return "workload " + w.get("name") + " broken without a panic: " + firstLine(w.get("detail"));
            }
        }
        return "workloads not confirmed fine after the fault";
    }

    /** The first kernel error line after boot, masked (addresses, numbers), with the faulting function if shown. */
    static String symptom(String console) {
        int from = Math.max(0, console.indexOf("OW-MAIN booted"));
        Matcher m = SYMPTOM.matcher(console);
        if (!m.find(from)) {
            return null;
        }
        String s = mask(m.group(1));
        Matcher rip = RIP.matcher(console);
        if (rip.find(m.end()) && rip.start() - m.end() < 4000) {
            s += " [RIP " + rip.group(1) + "]";
        }
        return s;
    }

    static String mask(String line) {
        return line.replaceAll("0x[0-9a-fA-F]+", "X").replaceAll("\\b[0-9a-fA-F]{8,16}\\b", "X")
                .replaceAll("(?<![A-Za-z_\\d])\\d+", "N").strip();
    }

    private static String first(List<Object> notes) {
        return firstLine(notes.get(0));
    }

    private static String firstLine(Object o) {
        String s = String.valueOf(o).strip();
        int nl = s.indexOf('\n');
        s = nl < 0 ? s : s.substring(0, nl);
        return s.length() > 160 ? s.substring(0, 157) + "..." : s;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }
}
