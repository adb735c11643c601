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
 *     is {@link Outcome#SUCCESS}. A workload the agent left out because it was the faulty process (the
 *     process the kernel failed in, without a crash procedure) is not a failure of resurrection: when it
 *     is the only loss the run is {@link Outcome#FAULTY_LOST}, else the other losses decide.</li>
 * </ol>
 */
public final class OutcomeClassifier {
    private static final Pattern PANICKED = Pattern.compile("Kernel panic|Oops: |elfcorehdr=");
    private static final Pattern SYMPTOM = Pattern.compile("(?m)^(?:\\[[ \\d.]+\\] )?((?:watchdog: )?BUG: .*|general protection fault.*"
            + "|kernel BUG at .*|invalid opcode: .*|Kernel panic - not syncing: .*|INFO: task .* blocked for more than.*"
            + "|WARNING: .*|stack segment: .*|double fault: .*|Oops: .*)$");
    /** RCU stall reports: a symptom only when nothing more specific was printed (they precede lockup panics). */
    private static final Pattern RCU_STALL = Pattern.compile("(?m)^(?:\\[[ \\d.]+\\] )?(rcu: INFO: .*)$");
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
        List<WorkloadFailure> all = workloadFailures(report, con);
        List<WorkloadFailure> faulty = all.stream().filter(WorkloadFailure::faultyProcess).toList();
        List<WorkloadFailure> wf = all.stream().filter(w -> !w.faultyProcess()).toList();
        String phase = failedPhase(report, timeline);
        if (!faulty.isEmpty() && wf.isEmpty() && phase == null && !"fail".equals(report.get("dirty_data_check"))) {
            return new Classification(Outcome.FAULTY_LOST, null, faulty.get(0).describe(), symptom);
        }
        WorkloadFailure earliest = null;
        for (WorkloadFailure w : wf) {
            if (PHASE_ORDER.contains(w.phase()) && (earliest == null || PHASE_ORDER.indexOf(w.phase()) < PHASE_ORDER.indexOf(earliest.phase()))) {
                earliest = w;
            }
        }
        if (earliest != null && (phase == null || PHASE_ORDER.indexOf(earliest.phase()) < PHASE_ORDER.indexOf(phase))) {
            return new Classification(Outcome.RESURRECTION_FAILED, earliest.phase(), earliest.describe(), symptom);
        }
        if (phase != null) {
            return new Classification(Outcome.RESURRECTION_FAILED, phase, phaseCause(phase, notes), symptom);
        }
        for (WorkloadFailure w : wf) {
            if (w.phase().equals("check")) {
                return new Classification(Outcome.DATA_CORRUPTION, null, w.describe(), symptom);
            }
        }
        // verdict fail, nothing specific: report it as a failure of the last phase, with the notes
        return new Classification(Outcome.RESURRECTION_FAILED, "restore", notes.isEmpty() ? "verdict fail" : first(notes), symptom);
    }

    /**
     * A workload that did not come through a resurrection, the phase it was lost in (extraction, images,
     * restore, or check when it runs but its state check fails) and why.
     */
    public record WorkloadFailure(String name, String phase, String cause) {
        public String describe() {
            return "workload " + name + " (" + phase + "): " + cause;
        }

        /** The agent left it out as the faulty process (the rule working as designed, not a failure). */
        public boolean faultyProcess() {
            return phase.equals("extraction") && FAULTY.matcher(cause).find();
        }
    }

    /** The agent's reason for a faulty process it does not resurrect (plan.Planner). */
    static final Pattern FAULTY = Pattern.compile("faulty process");

    private static final Pattern RESTORE_SET = Pattern.compile("(?m)^restore: set (\\d+): (.*)$");
    private static final Pattern CRIU_ERROR = Pattern.compile("Error \\([^)]*\\): ([^|]*)");

    /**
     * Every workload that did not come through, with the phase and the reason: the agent's report says
     * whether it chose not to resurrect it (extraction, with its reason) or failed on it (images); a
     * workload the agent planned but that does not run is a restore failure (with the restore tool's
     * first error for its tree, from the console); one that runs but fails its check is "check".
     */
    @SuppressWarnings("unchecked")
    public static List<WorkloadFailure> workloadFailures(Map<String, Object> report, String console) {
        List<WorkloadFailure> out = new java.util.ArrayList<>();
        Map<String, Object> agent = map(report.get("agent_report"));
        Map<String, String> restoreErrors = new java.util.HashMap<>();
        Matcher rm = RESTORE_SET.matcher(console == null ? "" : console);
        while (rm.find()) {
            Matcher e = CRIU_ERROR.matcher(rm.group(2));
            String head = rm.group(2).replaceAll(":? ?\\(\\d+\\.\\d+\\).*", "").strip();
            String err = null;
            while (err == null && e.find()) {
                // the restore tool's log tail; a "see the web page" line explains nothing by itself
                err = e.group(1).contains("For details visit") ? null : e.group(1).strip();
            }
            restoreErrors.putIfAbsent(rm.group(1), err != null ? head + ": " + err : firstLine(rm.group(2)));
        }
        for (Object o : list(report.get("processes"))) {
            Map<String, Object> p = (Map<String, Object>) o;
            String name = String.valueOf(p.get("name"));
            boolean running = Boolean.TRUE.equals(p.get("resurrected"));
            if (running && "pass".equals(p.get("state_check"))) {
                continue;
            }
            if (running) {
                out.add(new WorkloadFailure(name, "check", "state check failed: " + firstLine(p.get("detail"))));
                continue;
            }
            String pid = String.valueOf(p.get("pid"));
            Map<String, Object> ap = null;
            for (Object a : agent == null ? List.of() : list(agent.get("processes"))) {
                if (pid.equals(String.valueOf(((Map<String, Object>) a).get("pid")))) {
                    ap = (Map<String, Object>) a;
                }
            }
            if (agent == null) {
                out.add(new WorkloadFailure(name, "restore", "not running after the hand-over (no agent report says why): "
                        + firstLine(p.get("detail"))));
            } else if (ap == null) {
                out.add(new WorkloadFailure(name, "extraction", "not in the agent's report"));
            } else if (ap.get("error") != null) {
                out.add(new WorkloadFailure(name, "images", "the agent failed: " + firstLine(ap.get("error"))));
            } else if (!Boolean.TRUE.equals(ap.get("resurrect"))) {
                out.add(new WorkloadFailure(name, "extraction", "the agent did not resurrect it: " + firstLine(ap.get("reason"))));
            } else {
                String err = restoreErrors.get(treeRoot(agent, pid));
                out.add(new WorkloadFailure(name, "restore", err != null ? err : "not running after the hand-over: " + firstLine(p.get("detail"))));
            }
        }
        return out;
    }

    /** The root pid of the agent's tree that holds pid (the restore tool reports per tree), else pid. */
    @SuppressWarnings("unchecked")
    private static String treeRoot(Map<String, Object> agent, String pid) {
        for (Object t : list(agent.get("trees"))) {
            Map<String, Object> tree = (Map<String, Object>) t;
            for (Object member : list(tree.get("processes"))) {
                if (pid.equals(String.valueOf(member))) {
                    return String.valueOf(tree.get("root"));
                }
            }
        }
        return pid;
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
            m = RCU_STALL.matcher(console);
            if (!m.find(from)) {
                return null;
            }
        }
        String s = mask(m.group(1));
        Matcher rip = RIP.matcher(console);
        if (rip.find(m.end()) && rip.start() - m.end() < 4000) {
            s += " [RIP " + rip.group(1) + "]";
        }
        return s;
    }

    static String mask(String line) {
        return line.replaceAll("0x[0-9a-fA-F]+", "X").replaceAll("/SYSV[0-9a-fA-F]+", "/SYSVX").replaceAll("\\b[0-9a-fA-F]{8,16}\\b", "X")
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
