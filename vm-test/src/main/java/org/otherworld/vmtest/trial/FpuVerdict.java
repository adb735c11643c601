package org.otherworld.vmtest.trial;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.otherworld.agent.json.Json;
import org.otherworld.vmtest.guest.GuestKernel;
import org.otherworld.vmtest.vm.DataDisk;

/**
 * The {@code fpu} workload's part of a trial report: which kernel ran, what the agent said about the
 * FPU state of the workload's threads (the {@code fpu} entries of {@code unrestored} in the image
 * set's {@code otherworld-set.json}: "FPU/SSE/AVX registers of thread TID", the agent's mark for a
 * thread that was on a CPU at the crash when the kernel did not save its registers), and whether the
 * register pattern survived (the workload's own check). {@code expected} compares the two with what
 * docs/kernel-patches.md says each kernel gives:
 * <ul>
 * <li>patched: no {@code fpu} entry, pattern intact;</li>
 * <li>stock: the spinner that was running on another CPU at the panic comes back with stale registers,
 * so the agent must list at least one {@code fpu} entry, every thread whose pattern broke must be among
 * those listed, and the pattern is broken (or the process was not resurrected because of them).</li>
 * </ul>
 */
public final class FpuVerdict {
    /** The agent's unrestored-resource kind for FPU state (the h6a agent contract). */
    public static final String KIND = "fpu";
    /** Where the agent writes image sets, on the guest's data disk (crash-kernel/crash-init). */
    static final String SETS = "/otherworld/resurrection/";
    private static final Pattern MISMATCH_TID = Pattern.compile("MISMATCH thread=\\d+ tid=(\\d+)");
    private static final Pattern DESCRIPTION_TID = Pattern.compile("thread (\\d+)");
    private static final Pattern OW_KERNEL = Pattern.compile("OW-KERNEL role=(\\w+) release=(\\S+)");
    private static final Pattern LINUX_VERSION = Pattern.compile("Linux version (\\S+)");

    private FpuVerdict() {
    }

    /** The image-set tree (root pid) the agent put a process into, from its report; null if none. */
    @SuppressWarnings("unchecked")
    public static Long treeOf(Map<String, Object> agentReport, Integer pid) {
        if (agentReport == null || pid == null || !(agentReport.get("processes") instanceof List<?> ps)) {
            return null;
        }
        for (Object o : ps) {
            Map<String, Object> p = (Map<String, Object>) o;
            if (p.get("pid") instanceof Number n && n.longValue() == pid && p.get("tree") instanceof Number t) {
                return t.longValue();
            }
        }
        return null;
    }

    /** Copies the {@code otherworld-set.json} of each tree holding one of {@code pids} out of the disk. */
    static Map<Long, Map<String, Object>> readManifests(Path dataDisk, Path out, Map<String, Object> agentReport,
                                                        Collection<Integer> pids) {
        Map<Long, Map<String, Object>> m = new LinkedHashMap<>();
        for (Integer pid : pids) {
            Long tree = treeOf(agentReport, pid);
            if (tree == null || m.containsKey(tree)) {
                continue;
            }
            Path dest = out.resolve("otherworld-set-" + tree + ".json");
            if (DataDisk.read(dataDisk, SETS + tree + "/otherworld-set.json", dest)) {
                try {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> parsed = (Map<String, Object>) Json.parse(Files.readString(dest));
                    m.put(tree, parsed);
                } catch (IOException | RuntimeException e) {
                    m.put(tree, Map.of("error", "unreadable " + dest + ": " + e.getMessage()));
                }
            }
        }
        return m;
    }

    /**
     * Every kernel that started, in order, as "ROLE RELEASE" from the guest init's
     * "OW-KERNEL role=main|crash release=REL" lines (main, crash, then main again after the hand-over);
     * from "Linux version REL" lines when there are none (an older guest image).
     */
    public static List<String> kernelsBooted(String console) {
        List<String> out = new ArrayList<>();
        Matcher m = OW_KERNEL.matcher(console);
        while (m.find()) {
            out.add(m.group(1) + " " + m.group(2));
        }
        if (out.isEmpty()) {
            Matcher v = LINUX_VERSION.matcher(console);
            while (v.find()) {
                out.add("? " + v.group(1));
            }
        }
        return out;
    }

    /**
     * The fpu section.
     *
     * @param kernel      the kernel the trial asked for
     * @param uname       {@code uname -r} in the guest
     * @param pid         the workload's process
     * @param resurrected whether it runs under its pid after the hand-over
     * @param detail      its check's output ("pattern intact|broken|unknown: ..." and MISMATCH lines), also
     *                    when it no longer runs
     * @param manifest    the set's otherworld-set.json, or null when there is none
     * @param tree        the set's root pid, or null
     */
    public static Map<String, Object> of(GuestKernel kernel, String uname, Integer pid, boolean resurrected, String detail,
                                         Map<String, Object> manifest, Long tree) {
        return of(kernel, uname, pid, resurrected, detail, manifest, tree, null);
    }

    /**
     * The FPU provenance the agent gave each thread of process {@code pid} in its report
     * ({@code processes[].threads[].fpu}: exact, saved_at_crash, approximate), by tid; null if the report
     * has none for it.
     */
    @SuppressWarnings("unchecked")
    public static Map<Long, String> threadProvenance(Map<String, Object> agentReport, Integer pid) {
        if (agentReport == null || pid == null || !(agentReport.get("processes") instanceof List<?> ps)) {
            return null;
        }
        for (Object o : ps) {
            Map<String, Object> p = (Map<String, Object>) o;
            if (p.get("pid") instanceof Number n && n.longValue() == pid && p.get("threads") instanceof List<?> ts) {
                Map<Long, String> out = new LinkedHashMap<>();
                for (Object t : ts) {
                    Map<String, Object> tm = (Map<String, Object>) t;
                    if (tm.get("tid") instanceof Number tid && tm.get("fpu") instanceof String f) {
                        out.put(tid.longValue(), f);
                    }
                }
                return out.isEmpty() ? null : out;
            }
        }
        return null;
    }

    /**
     * As above, with the agent's per-thread provenance ({@link #threadProvenance}). With it, a trial in
     * which no thread of the workload was on a CPU at the crash (every thread {@code exact}) proves
     * nothing about the patch: {@code expected} then starts with "inconclusive".
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> of(GuestKernel kernel, String uname, Integer pid, boolean resurrected, String detail,
                                         Map<String, Object> manifest, Long tree, Map<Long, String> threadFpu) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("kernel", uname);
        r.put("kernel_build", kernel.label());
        // a process that was restored but is gone (a spinner found its registers broken and exited)
        // still has its check's reading of fpu.log
        String pattern = pattern(detail);
        if (!resurrected && pattern.equals("unknown")) {
            pattern = "not checked (not running after the hand-over)";
        }
        r.put("pattern", pattern);
        Set<Long> broken = new LinkedHashSet<>();
        Matcher mm = MISMATCH_TID.matcher(detail == null ? "" : detail);
        while (mm.find()) {
            broken.add(Long.parseLong(mm.group(1)));
        }
        r.put("broken_tids", new ArrayList<>(broken));
        List<Object> entries = null;
        String source;
        if (manifest == null) {
            source = "no otherworld-set.json for this process" + (tree == null ? " (the agent put it in no image set)" : "");
        } else if (manifest.get("error") != null) {
            source = String.valueOf(manifest.get("error"));
        } else {
            source = SETS + tree + "/otherworld-set.json";
            entries = new ArrayList<>();
            if (manifest.get("processes") instanceof List<?> ps) {
                for (Object o : ps) {
                    Map<String, Object> p = (Map<String, Object>) o;
                    if (pid != null && p.get("pid") instanceof Number n && n.longValue() == pid
                            && p.get("unrestored") instanceof List<?> us) {
                        for (Object u : us) {
                            if (u instanceof Map<?, ?> um && KIND.equals(um.get("kind"))) {
                                entries.add(um);
                            }
                        }
                    }
                }
            }
        }
        r.put("agent_fpu_source", source);
        r.put("agent_fpu_entries", entries);
        Set<Long> flagged = new LinkedHashSet<>();
        if (entries != null) {
            for (Object e : entries) {
                Matcher t = DESCRIPTION_TID.matcher(String.valueOf(((Map<String, Object>) e).get("description")));
                if (t.find()) {
                    flagged.add(Long.parseLong(t.group(1)));
                }
            }
        }
        r.put("agent_fpu", entries == null ? "unknown: " + source
                : entries.isEmpty() ? "exact (no fpu entry in otherworld-set.json)"
                : "approximate for thread(s) " + flagged + " (" + entries.size() + " fpu entr" + (entries.size() == 1 ? "y" : "ies") + ")");
        List<String> problems = new ArrayList<>();
        if (kernel == GuestKernel.PATCHED) {
            if (uname == null || !uname.contains("otherworld")) {
                problems.add("the guest did not run the patched kernel (uname -r " + uname + ")");
            }
            if (entries == null) {
                problems.add("the agent's FPU provenance is unknown: " + source);
            } else if (!entries.isEmpty()) {
                problems.add("the agent marked FPU state approximate on the patched kernel: " + entries);
            }
            if (!pattern.startsWith("intact")) {
                problems.add("the register pattern is " + pattern + " on the patched kernel");
            }
        } else {
            if (uname != null && uname.contains("otherworld")) {
                problems.add("the guest ran a patched kernel (uname -r " + uname + ")");
            }
            if (entries == null) {
                problems.add("the agent's FPU provenance is unknown: " + source);
            } else if (entries.isEmpty()) {
                problems.add("ABSENT: the agent listed no fpu entry in otherworld-set.json, though on the stock kernel a"
                        + " spinner runs on a CPU other than the panicking one at the crash (this agent does not report"
                        + " FPU provenance: docs/kernel-patches.md, agent-side contract)");
            }
            if (!broken.isEmpty() && !flagged.containsAll(broken)) {
                problems.add("thread(s) " + broken + " came back with broken registers, but the agent flagged only " + flagged);
            }
            if (pattern.startsWith("intact")) {
                problems.add("the register pattern is intact on the stock kernel: no spinner was running at the crash?");
            }
        }
        String expected = problems.isEmpty() ? "yes" : "NO: " + String.join("; ", problems);
        if (threadFpu != null) {
            r.put("agent_thread_fpu", threadFpu.entrySet().stream()
                    .collect(java.util.stream.Collectors.toMap(e -> String.valueOf(e.getKey()), Map.Entry::getValue,
                            (a, b) -> a, LinkedHashMap::new)));
            List<Long> running = threadFpu.entrySet().stream().filter(e -> !"exact".equals(e.getValue()))
                    .map(Map.Entry::getKey).toList();
            r.put("running_at_crash", running);
            if (kernel == GuestKernel.PATCHED && threadFpu.containsValue("approximate")) {
                expected = (problems.isEmpty() ? "NO: " : expected + "; ")
                        + "a thread that was running has approximate FPU state on the patched kernel: " + threadFpu;
            } else if (running.isEmpty() && !expected.startsWith("NO: the guest")) {
                expected = "inconclusive: no thread of the workload was on a CPU at the crash (agent: " + threadFpu
                        + "), so the kernel's save at the crash was not exercised";
            }
        }
        r.put("expected", expected);
        return r;
    }

    /** "intact", "broken" or "unknown" from the check's first line ("pattern X: ..."). */
    static String pattern(String detail) {
        if (detail == null) {
            return "unknown";
        }
        Matcher m = Pattern.compile("pattern (intact|broken|unknown)").matcher(detail);
        return m.find() ? m.group(1) : "unknown";
    }
}
