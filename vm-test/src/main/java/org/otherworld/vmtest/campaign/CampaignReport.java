package org.otherworld.vmtest.campaign;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a campaign's result records (from {@link ResultsFile}) into {@code report.md} and the chart
 * {@code outcomes.png}: outcomes per fault type, our success rate among runs where the crash kernel
 * booted next to the published figures, the top failure causes and every run with its evidence.
 */
public final class CampaignReport {
    public static final String CHART = "outcomes.png";

    private CampaignReport() {
    }

    /** Outcome counts per fault type, types in order of first appearance. */
    public static Map<String, Map<Outcome, Integer>> counts(List<Map<String, Object>> records) {
        Map<String, Map<Outcome, Integer>> c = new LinkedHashMap<>();
        for (Map<String, Object> r : records) {
            c.computeIfAbsent(String.valueOf(r.get("type")), k -> new EnumMap<>(Outcome.class))
                    .merge(Outcome.parse(String.valueOf(r.get("outcome"))), 1, Integer::sum);
        }
        return c;
    }

    /** Writes report.md and outcomes.png into {@code dir}; returns the markdown. */
    public static String write(Path dir, List<Map<String, Object>> records, Map<String, Object> meta) {
        String md = markdown(records, meta, CHART);
        try {
            Files.createDirectories(dir);
            OutcomeChart.write(counts(records), "Outcomes per fault type (" + records.size() + " runs)", dir.resolve(CHART));
            Files.writeString(dir.resolve("report.md"), md);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the campaign report into " + dir, e);
        }
        return md;
    }

    static String pct(int a, int b) {
        return b == 0 ? "n/a" : String.format("%.0f%% (%d/%d)", 100.0 * a / b, a, b);
    }

    /** The report's text; {@code chart} is the image's path relative to the report. */
    public static String markdown(List<Map<String, Object>> records, Map<String, Object> meta, String chart) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Fault-injection campaign\n\n");
        meta.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        sb.append("- runs recorded: ").append(records.size()).append("\n\n");

        Map<String, Map<Outcome, Integer>> counts = counts(records);
        sb.append("## Outcomes per fault type\n\n");
        sb.append("| fault type |");
        for (Outcome o : Outcome.values()) {
            sb.append(' ').append(o.label()).append(" |");
        }
        sb.append(" runs | success where the crash kernel booted |\n|---|");
        sb.append("---:|".repeat(Outcome.values().length + 2)).append('\n');
        EnumMap<Outcome, Integer> total = new EnumMap<>(Outcome.class);
        for (Map.Entry<String, Map<Outcome, Integer>> e : counts.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" |");
            row(sb, e.getValue());
            e.getValue().forEach((o, k) -> total.merge(o, k, Integer::sum));
        }
        sb.append("| **all** |");
        row(sb, total);
        sb.append("\n![outcomes per fault type](").append(chart).append(")\n\n");

        int all = records.size() - total.getOrDefault(Outcome.INVALID, 0);
        int manifested = 0;
        int booted = 0;
        for (Outcome o : Outcome.values()) {
            int k = total.getOrDefault(o, 0);
            manifested += o.manifested() ? k : 0;
            booted += o.crashKernelBooted() ? k : 0;
        }
        int success = total.getOrDefault(Outcome.SUCCESS, 0) + total.getOrDefault(Outcome.FAULTY_LOST, 0);
        int panicked = booted + total.getOrDefault(Outcome.CRASH_KERNEL_NO_BOOT, 0);
        sb.append("## Rates\n\n");
        sb.append("| measure | ours |\n|---|---:|\n");
        sb.append("| faults that manifested (of valid runs) | ").append(pct(manifested, all)).append(" |\n");
        sb.append("| silent failures (of manifested) | ").append(pct(total.getOrDefault(Outcome.SILENT_FAILURE, 0), manifested)).append(" |\n");
        sb.append("| crash kernel booted (of panics) | ").append(pct(booted, panicked)).append(" |\n");
        sb.append("| **successful resurrection (of runs where the crash kernel booted)** | **").append(pct(success, booted)).append("** |\n");
        sb.append("| successful resurrection (of panics) | ").append(pct(success, panicked)).append(" |\n");
        sb.append("| application data corruption (of runs where the crash kernel booted) | ")
                .append(pct(total.getOrDefault(Outcome.DATA_CORRUPTION, 0), booted)).append(" |\n\n");

        sb.append("### Published figures, for comparison\n\n");
        sb.append("| system | fault injection | recovered |\n|---|---|---|\n");
        sb.append("| Otherworld (Depoutovitch & Stumm, EuroSys 2010, talk slides) | Nooks/Rio injector: stack corruption, incorrect branch, "
                + "deleted/changed instruction, incorrect operands, random writes; 30 faults per experiment, 4,000 experiments in a VM | "
                + "97-98% successful application resurrection; crash kernel did not boot 2-3%; resurrection failure up to 0.5%; "
                + "data corruption up to 0.5% without and 0.25% with application space protection |\n");
        sb.append("| ReHype (Le & Tamir, 2014) | register bit flips, code and software faults in the Xen hypervisor | "
                + "successful recovery of detected failures (crash or hang; silent failures excluded): 5.6% with the basic scheme, "
                + "raised step by step to 95.8% (reinitialized locks, 1 AppVM) and 92.2% (reset page counter, 3 AppVMs); "
                + "final version per fault type 89.1% register, 88.1% software, 88.6% code bit flips (3 AppVMs in an FV VM) |\n");
        sb.append("| phase-based reboot (Yamakita, Yamada & Kono, DSN 2011) | Michigan injector: one integer on a thread's kernel stack, "
                + "one instruction or operand; 200 induced kernel crashes | recovered from all of them (transient faults only; "
                + "the application state is not kept: a reboot) |\n\n");
        sb.append("Our denominator for the headline rate is the same as Otherworld's: runs where the kernel failed and the crash "
                + "kernel booted. A run counts as a success when every innocent workload continues with its state verified: "
                + "\"faulty process lost by design\" (the workload the kernel failed in, which registers no crash procedure, is "
                + "not resurrected; the others are) is counted with the successes but shown as its own class.\n\n");

        sb.append("## Top failure causes\n\n");
        Map<String, Integer> causes = new LinkedHashMap<>();
        for (Map<String, Object> r : records) {
            Outcome o = Outcome.parse(String.valueOf(r.get("outcome")));
            if (o.success() || o == Outcome.NOT_MANIFESTED) {
                continue;
            }
            String key = o.label() + (r.get("phase") == null ? "" : " (phase " + r.get("phase") + ")") + ": " + r.get("cause");
            causes.merge(OutcomeClassifier.mask(key), 1, Integer::sum);
        }
        appendRanked(sb, causes, "cause");
        sb.append("\n### Why workloads were lost after the crash kernel booted (per workload, numbers masked)\n\n");
        Map<String, Integer> lost = new LinkedHashMap<>();
        for (Map<String, Object> r : records) {
            Object wf = r.get("workload_failures");
            if (wf instanceof List<?> l) {
                for (Object w : l) {
                    lost.merge(OutcomeClassifier.mask(String.valueOf(w)), 1, Integer::sum);
                }
            }
        }
        appendRanked(sb, lost, "workload (phase): reason");
        sb.append("\n## What the faults did (first kernel error line, numbers masked)\n\n");
        Map<String, Integer> symptoms = new LinkedHashMap<>();
        for (Map<String, Object> r : records) {
            symptoms.merge(r.get("symptom") == null ? "(no kernel error line)" : String.valueOf(r.get("symptom")), 1, Integer::sum);
        }
        appendRanked(sb, symptoms, "symptom");

        sb.append("\n## Where a run's time goes (mean over the runs that reached each phase)\n\n| phase | runs | mean s |\n|---|---:|---:|\n");
        Map<String, long[]> phases = new LinkedHashMap<>();
        for (Map<String, Object> r : records) {
            phases.computeIfAbsent("whole run (host wall clock)", k -> new long[2]);
            if (r.get("duration_s") instanceof Number n) {
                long[] a = phases.get("whole run (host wall clock)");
                a[0]++;
                a[1] += n.longValue() * 1000;
            }
            if (r.get("phases_ms") instanceof Map<?, ?> ph) {
                for (Map.Entry<?, ?> e : ph.entrySet()) {
                    if (e.getValue() instanceof Number v && v.longValue() >= 0) {
                        long[] a = phases.computeIfAbsent(String.valueOf(e.getKey()), k -> new long[2]);
                        a[0]++;
                        a[1] += v.longValue();
                    }
                }
            }
        }
        phases.forEach((k, a) -> {
            if (a[0] > 0) {
                sb.append("| ").append(k).append(" | ").append(a[0]).append(" | ")
                        .append(String.format(java.util.Locale.ROOT, "%.1f", a[1] / 1000.0 / a[0])).append(" |\n");
            }
        });
        sb.append("\n## Runs\n\n| run | type | seed | outcome | injected | symptom | s | evidence |\n|---|---|---:|---|---|---|---:|---|\n");
        for (Map<String, Object> r : records) {
            sb.append("| ").append(r.get("run_id")).append(" | ").append(r.get("type")).append(" | ").append(r.get("seed"))
                    .append(" | ").append(cell(r.get("outcome_label"))).append(" | ").append(cell(r.get("injection")))
                    .append(" | ").append(cell(r.get("symptom"))).append(" | ").append(r.get("duration_s"))
                    .append(" | ").append(cell(r.get("evidence"))).append(r.get("vmcore") == null ? "" : ", vmcore")
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, Map<Outcome, Integer> c) {
        int runs = 0;
        int booted = 0;
        for (Outcome o : Outcome.values()) {
            int k = c.getOrDefault(o, 0);
            runs += k;
            booted += o.crashKernelBooted() ? k : 0;
            sb.append(' ').append(k).append(" |");
        }
        sb.append(' ').append(runs).append(" | ").append(pct(c.getOrDefault(Outcome.SUCCESS, 0) + c.getOrDefault(Outcome.FAULTY_LOST, 0), booted)).append(" |\n");
    }

    private static void appendRanked(StringBuilder sb, Map<String, Integer> m, String what) {
        if (m.isEmpty()) {
            sb.append("(none)\n");
            return;
        }
        List<Map.Entry<String, Integer>> es = new ArrayList<>(m.entrySet());
        es.sort((a, b) -> b.getValue() - a.getValue());
        sb.append("| runs | ").append(what).append(" |\n|---:|---|\n");
        for (Map.Entry<String, Integer> e : es.subList(0, Math.min(15, es.size()))) {
            sb.append("| ").append(e.getValue()).append(" | ").append(cell(e.getKey())).append(" |\n");
        }
    }

    static String cell(Object o) {
        return o == null ? "" : String.valueOf(o).replace("|", "\\|").replace("\n", " ");
    }
}
