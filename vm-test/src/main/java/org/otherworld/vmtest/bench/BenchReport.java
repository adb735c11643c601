package org.otherworld.vmtest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code performance.md} and its PNG charts, written from a bench's {@code results.json} alone: every
 * number in it is from that run; what was not measured is said to be so.
 */
public final class BenchReport {
    private BenchReport() {
    }

    static List<Map<String, Object>> list(Object o) {
        List<Map<String, Object>> l = new ArrayList<>();
        if (o instanceof List<?> xs) {
            for (Object x : xs) {
                l.add(Breakdown.map(x));
            }
        }
        return l;
    }

    static Double dbl(Object o) {
        return o instanceof Number n ? n.doubleValue() : null;
    }

    static String s(Double ms) {
        return ms == null ? "n/a" : String.format("%.1f s", ms / 1000);
    }

    static String fmtS(Stats st) {
        return st.format(v -> String.format("%.1f", v / 1000)) + (st.n() == 0 ? "" : " s");
    }

    /** Median per breakdown phase over the passing default trials (all trials when none passed). */
    static Map<String, Stats> breakdown(List<Map<String, Object>> trials) {
        List<Map<String, Object>> use = trials.stream().filter(t -> "pass".equals(t.get("verdict"))).toList();
        if (use.isEmpty()) {
            use = trials;
        }
        Map<String, Stats> m = new LinkedHashMap<>();
        for (String phase : Breakdown.SOURCES.keySet()) {
            List<Number> v = new ArrayList<>();
            for (Map<String, Object> t : use) {
                Object x = Breakdown.map(t.get("phases_ms")).get(phase);
                v.add(x instanceof Number n ? n : null);
            }
            m.put(phase, Stats.of(v));
        }
        return m;
    }

    /** armed/unarmed throughput ratio per server and round (both measured in the same round). */
    static Map<String, List<Double>> overheadRatios(List<Map<String, Object>> rows) {
        Map<String, List<Double>> r = new LinkedHashMap<>();
        Map<String, Double> armed = new LinkedHashMap<>();
        Map<String, Double> unarmed = new LinkedHashMap<>();
        for (Map<String, Object> m : rows) {
            String key = m.get("server") + "#" + m.get("round");
            Double rps = dbl(m.get("rps"));
            if (m.containsKey("failed") || rps == null || rps <= 0) {
                continue; // no measurement (the server was gone): the round gives no ratio for this server
            }
            ("armed".equals(m.get("mode")) ? armed : unarmed).put(key, rps);
        }
        for (Map.Entry<String, Double> e : armed.entrySet()) {
            Double u = unarmed.get(e.getKey());
            String server = e.getKey().substring(0, e.getKey().indexOf('#'));
            if (u != null) {
                r.computeIfAbsent(server, k -> new ArrayList<>()).add(e.getValue() / u);
            }
        }
        return r;
    }

    /**
     * The agent's extraction throughput (MiB/s, as the report's "MB" throughout) in a trial: the memory it
     * extracted (its image MiB plus the all-zero pages it read and left out of the images, which criu dump
     * writes) over the extraction phase.
     */
    static Double agentMbPerS(Map<String, Object> trial) {
        Map<String, Object> agent = Breakdown.map(trial.get("agent"));
        Double mb = dbl(agent.get("image_mb"));
        Double zeroPages = dbl(agent.get("zero_pages_skipped"));
        Double ms = dbl(Breakdown.map(trial.get("phases_ms")).get("extraction"));
        if (mb == null || ms == null || ms <= 0) {
            return null;
        }
        return (mb + (zeroPages == null ? 0 : zeroPages * 4096 / 1048576.0)) * 1000 / ms;
    }

    /** criu dump throughput (MiB/s) of one dump: image KiB over its time, when it worked. */
    static Double criuDumpMbPerS(Map<String, Object> dump) {
        Double kib = dbl(dump.get("images_kib"));
        Double ms = dbl(dump.get("dump_ms"));
        return !Long.valueOf(0).equals(dump.get("dump_exit")) || kib == null || ms == null || ms <= 0 ? null
                : kib / 1024 * 1000 / ms;
    }

    /** criu dump throughput (MiB/s) of a cycle: image KiB over the summed dump time, when every dump worked. */
    static Double criuMbPerS(Map<String, Object> cycle) {
        Double kib = dbl(cycle.get("images_kib_total"));
        Double ms = dbl(cycle.get("dump_ms_total"));
        boolean ok = list(cycle.get("workloads")).stream().allMatch(w -> Long.valueOf(0).equals(w.get("dump_exit")));
        return !ok || kib == null || ms == null || ms <= 0 ? null : kib / 1024 * 1000 / ms;
    }

    public static Path write(Map<String, Object> results, Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder();
        Map<String, Object> cfg = Breakdown.map(results.get("config"));
        Map<String, Object> acc = Breakdown.map(results.get("accelerators"));
        List<Map<String, Object>> trials = list(results.get("default_trials"));
        List<Map<String, Object>> cold = list(results.get("cold_reboot"));
        List<Map<String, Object>> criu = list(results.get("criu"));
        List<Map<String, Object>> over = list(results.get("overhead"));
        Map<String, Object> sc = Breakdown.map(results.get("scaling"));
        md.append("# Performance: downtime, extraction, scaling, steady-state overhead\n\n");
        md.append("Generated by `./otherworld bench` from the run's `results.json` (kept next to this file; in docs/results as\n")
                .append("`performance-results.json`). Every number below is from")
                .append(" that one run; nothing is extrapolated. Medians are given as `median (min-max, n=N)`.\n\n");
        md.append("## What was run\n\n");
        md.append("- started ").append(cfg.get("started")).append(", finished ").append(cfg.getOrDefault("finished", "(cut short)"))
                .append("; kernel ").append(cfg.get("kernel")).append(", crashkernel=").append(cfg.get("crashkernel"))
                .append(", host CPUs ").append(cfg.get("host_cpus")).append(boolTrue(cfg.get("short")) ? "; **--short mode** (CI smoke run: one point each, timings not meaningful)" : "")
                .append("\n");
        md.append("- steps ").append(cfg.get("steps")).append("; default trials: ").append(trials.size())
                .append("; cold reboots: ").append(cold.size()).append("; criu dump+restore cycles: ").append(criu.size())
                .append("; overhead rounds: ").append(cfg.get("overhead_rounds")).append(" x ").append(cfg.get("overhead_seconds"))
                .append(" s per server and mode\n");
        md.append("- scaling points: memory ").append(cfg.get("memory_mib")).append(" MiB, processes ").append(cfg.get("processes"))
                .append(", threads ").append(cfg.get("threads")).append(", ").append(cfg.get("scaling_reps")).append(" repetition(s) each\n");
        md.append("- accelerator: ").append(trials.isEmpty() ? acc.get("requested") : trials.get(0).get("accel"))
                .append("; KVM vs TCG: ").append(acc.get("kvm_vs_tcg")).append("\n");
        Map<String, Object> errs = Breakdown.map(results.get("live_errors"));
        if (!errs.isEmpty()) {
            md.append("- the live-guest part (baselines/overhead) stopped early: ").append(errs).append("\n");
        }
        md.append("\n## Targets\n\n| target | measured | met? |\n|---|---|---|\n");
        Map<String, Stats> bd = breakdown(trials);
        Stats ours = bd.get("total_to_first_request");
        Stats coldTotal = Stats.of(cold.stream().map(c -> (Number) dbl(c.get("total_ms"))).toList());
        Stats coldNoArm = Stats.of(cold.stream().map(c -> (Number) dbl(c.get("total_without_arm_ms"))).toList());
        md.append("| downtime (crash -> first good sessions reply) below cold reboot + restart | resurrection ").append(fmtS(ours))
                .append(" vs cold reboot ").append(fmtS(coldTotal)).append(" (without its kdump arming: ").append(fmtS(coldNoArm))
                .append(") | ").append(enough(verdict(ours, coldNoArm, true), Math.min(ours.n(), coldNoArm.n()))).append(" |\n");
        Stats agentTp = Stats.of(trials.stream().filter(t -> "pass".equals(t.get("verdict"))).map(t -> (Number) agentMbPerS(t)).toList());
        Stats criuTp = Stats.of(criu.stream().map(c -> (Number) criuMbPerS(c)).toList());
        String tpRatio = agentTp.median() == null || criuTp.median() == null ? "n/a"
                : String.format("%.2f", agentTp.median() / criuTp.median());
        md.append("| extraction throughput >= criu dump (ratio >= 1.0) | agent ").append(agentTp.format(v -> String.format("%.2f", v)))
                .append(" MiB/s vs criu dump ").append(criuTp.format(v -> String.format("%.2f", v))).append(" MiB/s: ratio ")
                .append(tpRatio).append(" | ").append(tpRatio.equals("n/a") ? "not measured"
                        : enough(Double.parseDouble(tpRatio) >= 1.0 ? "yes" : "no", Math.min(agentTp.n(), criuTp.n())))
                .append(" |\n");
        List<Map<String, Object>> mem = list(sc.get("memory"));
        Map<String, Object> gib = mem.stream().filter(m -> Long.valueOf(1024).equals(m.get("mib"))).findFirst().orElse(null);
        md.append("| 1 GiB process resurrected with crashkernel=").append(cfg.get("crashkernel")).append(" | ")
                .append(gib == null ? "not run" : "verdict " + gib.get("verdict") + ", agent peak RSS "
                        + kib(Breakdown.map(gib.get("agent")).get("peak_rss_kib")) + ", crash kernel MemAvailable "
                        + kib(Breakdown.map(gib.get("crash_kernel")).get("mem_available_kib_at_start")) + " at start")
                .append(" | ").append(gib == null ? "not measured" : "pass".equals(gib.get("verdict")) ? "yes" : "no").append(" |\n");
        Map<String, List<Double>> ratios = overheadRatios(over);
        if (ratios.isEmpty()) {
            md.append("| steady-state throughput armed/unarmed >= 0.99 | not measured | not measured |\n");
        }
        for (Map.Entry<String, List<Double>> e : ratios.entrySet()) {
            Stats st = Stats.of(e.getValue());
            md.append("| steady-state throughput armed/unarmed >= 0.99: ").append(e.getKey()).append(" | ")
                    .append(st.format(v -> String.format("%.3f", v))).append(" | ")
                    .append(enough(st.median() >= 0.99 ? "yes (median)" : "no (median)", st.n())).append(" |\n");
        }
        md.append("\n## 1. Downtime breakdown of the default trial\n\n");
        md.append("Workloads: the demo workloads plus a `first-request` watcher (owbench watch), a sessions client resurrected\n")
                .append("with them that asks every 0.1 s and notes its first good reply under the new kernel. The sessions server is\n")
                .append("the one asked because its crash procedure continues; kvstore's demo procedure asks for SAVE_AND_RESTART (a JVM\n")
                .append("re-exec and a reload of its saved state: the SDK's fallback, not the resurrection). Trials: ").append(verdicts(trials)).append(".\n\n");
        md.append("| phase | median (min-max, n) | clock and span |\n|---|---|---|\n");
        for (Map.Entry<String, Stats> e : bd.entrySet()) {
            md.append("| ").append(e.getKey()).append(" | ").append(fmtS(e.getValue())).append(" | ")
                    .append(Breakdown.SOURCES.get(e.getKey())).append(" |\n");
        }
        if (!trials.isEmpty()) {
            Map<String, Double> bars = new LinkedHashMap<>();
            for (String p : List.of("panic_to_crash_kernel_init", "crash_kernel_setup", "agent_jvm_start", "extraction",
                    "dirty_page_flush", "handover_prepare", "kexec_to_main_kernel_init", "main_init_to_restore",
                    "restore_sets", "restore_jvm_start", "restorer_own_total", "restore_jvm_exit", "rearm_to_booted")) {
                Double v = bd.get(p).median();
                bars.put(p, v == null ? null : v / 1000);
            }
            Charts.bars(bars, "Downtime breakdown, default trial (median, s)", "s", dir.resolve("perf-breakdown.png"));
            md.append("\n![downtime breakdown](perf-breakdown.png)\n");
            md.append("\nAgent (crash kernel): image MiB ").append(Stats.of(trials.stream().map(t -> (Number) dbl(Breakdown.map(t.get("agent")).get("image_mb"))).toList())
                    .format(v -> String.format("%.1f", v))).append(", all-zero pages left out of the images ")
                    .append(Stats.of(trials.stream().map(t -> (Number) dbl(Breakdown.map(t.get("agent")).get("zero_pages_skipped"))).toList())
                            .format(v -> String.format("%.0f", v))).append(", peak RSS ")
                    .append(Stats.of(trials.stream().map(t -> (Number) dbl(Breakdown.map(t.get("agent")).get("peak_rss_kib"))).toList())
                            .format(v -> String.format("%.0f MiB", v / 1024))).append(", crash kernel MemAvailable at start ")
                    .append(Stats.of(trials.stream().map(t -> (Number) dbl(Breakdown.map(t.get("crash_kernel")).get("mem_available_kib_at_start"))).toList())
                            .format(v -> String.format("%.0f MiB", v / 1024))).append(", crash kernel CPUs ")
                    .append(Stats.of(trials.stream().map(t -> (Number) dbl(Breakdown.map(t.get("crash_kernel")).get("cpus"))).toList())
                            .format(v -> String.format("%.0f", v))).append(".\n");
        }
        md.append("\n## 2. Baselines (same guest image, same workloads)\n\n");
        md.append("(a) Cold reboot: `echo b > /proc/sysrq-trigger` (no sync), boot, restart every workload, first good sessions reply.\n")
                .append("The machine resets inside the same QEMU process, as the resurrection's kexec hand-over stays in it (the baseline\n")
                .append("of the target). For comparison, the last rows power the machine off (`echo o`) and boot it as a new QEMU\n")
                .append("process, whose TCG translation cache is empty. The guest's boot also arms kdump; that arming is subtracted\n")
                .append("in the \"without arming\" column.\n\n");
        md.append("| rep | machine | reset -> booted | workloads restarted | -> first reply | total | total without arming |\n|---|---|---|---|---|---|---|\n");
        List<Map<String, Object>> fresh = list(results.get("cold_boot_new_process"));
        List<Map<String, Object>> coldRows = new ArrayList<>(cold);
        coldRows.addAll(fresh);
        for (Map<String, Object> c : coldRows) {
            md.append("| ").append(c.get("rep")).append(" | ").append(c.getOrDefault("machine", "n/a")).append(" | ")
                    .append(s(dbl(c.get("reset_to_booted_ms")))).append(" | ")
                    .append(s(dbl(c.get("booted_to_workloads_started_ms")))).append(" | ").append(s(dbl(c.get("started_to_first_request_ms"))))
                    .append(" | ").append(s(dbl(c.get("total_ms")))).append(" | ").append(s(dbl(c.get("total_without_arm_ms")))).append(" |\n");
        }
        if (cold.isEmpty()) {
            md.append("| not run | | | | | | |\n");
        }
        md.append("\n(b) `criu dump` (the processes stop) then `criu restore -d` of every workload on the live kernel, host-timed per command.\n\n");
        md.append("| rep | dump total | restore total | images | dump MiB/s | first reply after restore | all ok |\n|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> c : criu) {
            Double mbps = criuMbPerS(c);
            md.append("| ").append(c.get("rep")).append(" | ").append(s(dbl(c.get("dump_ms_total")))).append(" | ")
                    .append(s(dbl(c.get("restore_ms_total")))).append(" | ").append(kib(c.get("images_kib_total"))).append(" | ")
                    .append(mbps == null ? "n/a" : String.format("%.2f", mbps)).append(" | ")
                    .append(s(dbl(c.get("first_request_after_restore_ms")))).append(" | ").append(c.get("all_ok")).append(" |\n");
        }
        if (criu.isEmpty()) {
            md.append("| not run | | | | | | |\n");
        }
        for (Map<String, Object> c : criu) {
            for (Map<String, Object> w : list(c.get("workloads"))) {
                if (!Long.valueOf(0).equals(w.get("dump_exit")) || !Long.valueOf(0).equals(w.get("restore_exit"))) {
                    md.append("\n- rep ").append(c.get("rep")).append(" ").append(w.get("name")).append(": dump exit ")
                            .append(w.get("dump_exit")).append(", restore exit ").append(w.get("restore_exit"));
                }
            }
        }
        md.append("\n(c) KVM vs TCG: ").append(acc.get("kvm_vs_tcg")).append(".\n");
        if (!trials.isEmpty() || !cold.isEmpty() || !criu.isEmpty()) {
            Map<String, Double> cmp = new LinkedHashMap<>();
            cmp.put("resurrection: crash -> first reply", ours.median() == null ? null : ours.median() / 1000);
            cmp.put("cold reboot + restart -> first reply", coldTotal.median() == null ? null : coldTotal.median() / 1000);
            cmp.put("  same, without kdump arming", coldNoArm.median() == null ? null : coldNoArm.median() / 1000);
            Stats freshTotal = Stats.of(fresh.stream().map(c -> (Number) dbl(c.get("total_ms"))).toList());
            if (freshTotal.n() > 0) {
                cmp.put("  cold boot, new QEMU process", freshTotal.median() / 1000);
            }
            Stats cd = Stats.of(criu.stream().map(c -> (Number) dbl(c.get("dump_ms_total"))).toList());
            Stats cr = Stats.of(criu.stream().map(c -> (Number) dbl(c.get("restore_ms_total"))).toList());
            cmp.put("criu dump of all workloads", cd.median() == null ? null : cd.median() / 1000);
            cmp.put("criu restore of all workloads", cr.median() == null ? null : cr.median() / 1000);
            Charts.bars(cmp, "Resurrection vs baselines (median, s)", "s", dir.resolve("perf-baselines.png"));
            md.append("\n![baselines](perf-baselines.png)\n");
        }
        md.append("\n## 3. Scaling\n\n");
        md.append("One `owbench mem` workload per trial (static C: MiB of verifiable non-zero data; children of 1 MiB; idle threads),\n")
                .append("checked after resurrection by each process verifying every word of its memory. Guest RAM: 1024 MiB, or\n")
                .append("1024 + the process's MiB above 128 MiB; data disk (it holds the images) ")
                .append(List.of("memory", "processes", "threads").stream().flatMap(a -> list(sc.get(a)).stream())
                        .anyMatch(m -> m.get("data_disk_mib") != null) ? "1024 MiB + twice the process's MiB above 128 MiB"
                        : "1024 MiB for every point").append("; crashkernel=").append(cfg.get("crashkernel")).append(" throughout.\n");
        for (String axis : List.of("memory", "processes", "threads")) {
            List<Map<String, Object>> pts = list(sc.get(axis));
            md.append("\n### ").append(axis).append("\n\n");
            if (pts.isEmpty()) {
                md.append("not run\n");
                continue;
            }
            boolean withCriu = axis.equals("memory") && pts.stream().anyMatch(p -> p.get("criu_dump") != null);
            md.append("| x | guest MiB | verdict | extraction | downtime (to restore exit) | image MiB | agent peak RSS | crash MemAvailable start/after | check |")
                    .append(withCriu ? " criu dump (live guest) | agent/criu MiB/s |\n" : "\n")
                    .append("|---|---|---|---|---|---|---|---|---|").append(withCriu ? "---|---|\n" : "\n");
            Map<String, List<Charts.Point>> series = new LinkedHashMap<>();
            series.put("extraction (s)", new ArrayList<>());
            series.put("downtime to restore exit (s)", new ArrayList<>());
            for (Map<String, Object> p : pts) {
                Map<String, Object> ph = Breakdown.map(p.get("phases_ms"));
                Map<String, Object> ag = Breakdown.map(p.get("agent"));
                Map<String, Object> ck = Breakdown.map(p.get("crash_kernel"));
                String check = list(p.get("workloads")).stream().map(w -> String.valueOf(w.get("detail"))).findFirst().orElse("");
                md.append("| ").append(p.get("x")).append(" | ").append(p.get("guest_mib")).append(" | ").append(p.get("verdict"))
                        .append(" | ").append(s(dbl(ph.get("extraction")))).append(" | ").append(s(dbl(ph.get("total_to_restore_exit"))))
                        .append(" | ").append(ag.get("image_mb")).append(" | ").append(kib(ag.get("peak_rss_kib"))).append(" | ")
                        .append(kib(ck.get("mem_available_kib_at_start"))).append(" / ").append(kib(ck.get("mem_available_kib_after_agent")))
                        .append(" | ").append(check.replace("|", "/")).append(" |");
                if (withCriu) {
                    Map<String, Object> cd = Breakdown.map(p.get("criu_dump"));
                    Double criuRate = criuDumpMbPerS(cd);
                    Double agentRate = agentMbPerS(p);
                    md.append(" ").append(criuRate == null ? "failed: " + (cd.get("error") != null ? cd.get("error") : "exit " + cd.get("dump_exit"))
                                    : s(dbl(cd.get("dump_ms"))) + ", " + kib(cd.get("images_kib")) + ", " + String.format("%.1f MiB/s", criuRate))
                            .append(" | ").append(criuRate == null || agentRate == null ? "n/a" : String.format("%.2f (%.1f / %.1f)",
                                    agentRate / criuRate, agentRate, criuRate)).append(" |");
                }
                md.append("\n");
                Double x = dbl(p.get("x"));
                if (x != null && dbl(ph.get("extraction")) != null) {
                    series.get("extraction (s)").add(new Charts.Point(x, dbl(ph.get("extraction")) / 1000));
                }
                if (x != null && dbl(ph.get("total_to_restore_exit")) != null) {
                    series.get("downtime to restore exit (s)").add(new Charts.Point(x, dbl(ph.get("total_to_restore_exit")) / 1000));
                }
            }
            String xl = switch (axis) {
                case "memory" -> "resident MiB of the process";
                case "processes" -> "processes (the first 16 MiB, the others 1 MiB)";
                default -> "threads in one process (16 MiB)";
            };
            Charts.lines(series, "Extraction and downtime vs " + axis, xl, "seconds", dir.resolve("perf-scaling-" + axis + ".png"));
            md.append("\n![").append(axis).append("](perf-scaling-").append(axis).append(".png)\n");
        }
        md.append("\n## 4. Steady-state overhead\n\n");
        md.append("kvstore (line protocol, one connection) and sessions (HTTP, a connection per request) on the live guest, loaded by\n")
                .append("`owbench load` from inside the guest (each server a fresh JVM, warmed up by a load as long as the measurement, at least " + LiveGuest.WARM_UP_MIN_S + " s). armed = crash kernel loaded (`kexec -p`) and the server registered with\n")
                .append("the SDK; unarmed = `kexec -p -u` and `-Dotherworld.demo.register=false`. Modes alternate within a round.\n\n");
        md.append("| round | mode | server | requests/s | p50 | p99 | errors |\n|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> m : over) {
            md.append("| ").append(m.get("round")).append(" | ").append(m.get("mode")).append(" | ").append(m.get("server"))
                    .append(" | ").append(num(m.get("rps"), "%.1f")).append(" | ").append(num(m.get("p50_us"), "%.0f")).append(" us | ")
                    .append(num(m.get("p99_us"), "%.0f")).append(" us | ").append(num(m.get("errors"), "%.0f")).append(" |\n");
        }
        if (over.isEmpty()) {
            md.append("| not run | | | | | | |\n");
        }
        for (Map<String, Object> m : over) {
            if (m.containsKey("failed") || m.containsKey("server_log_tail")) {
                md.append("\n- round ").append(m.get("round")).append(" ").append(m.get("mode")).append(" ").append(m.get("server"))
                        .append(m.containsKey("failed") ? ": no measurement (" + m.get("failed") + "; the round gives no ratio for it)"
                                : ": errors (warm-up " + num(m.get("warm_up_errors"), "%.0f") + ", measured " + num(m.get("errors"), "%.0f") + ")")
                        .append(m.containsKey("server_alive") ? "; server process " + (Boolean.TRUE.equals(m.get("server_alive")) ? "alive" : "gone") : "")
                        .append(". The server's last output:\n\n")
                        .append(String.valueOf(m.get("server_log_tail")).lines().map(l -> "      " + l + "\n")
                                .reduce("", String::concat));
            }
        }
        for (Map.Entry<String, List<Double>> e : ratios.entrySet()) {
            md.append("\n- ").append(e.getKey()).append(": armed/unarmed throughput ratio ")
                    .append(Stats.of(e.getValue()).format(v -> String.format("%.3f", v)));
        }
        md.append("\n");
        md.append("\n## 5. Optimization: class-data sharing for the agent's JVM\n\n");
        boolean cds = "in use".equals(results.get("guest_cds"));
        md.append("The breakdown shows the agent's JVM start-up as a phase of its own. The agent has its own class-data sharing\n")
                .append("archive (lib/otherworld-agent.jsa, dumped by the guest build from crash-kernel/agent.classlist: the classes of a\n")
                .append("resurrect and a restore run), mapped only by the crash kernel's agent and the restore tool (`OW_AGENT_CDS=1`),\n")
                .append(cds ? "never by application JVMs.\n" : "never by application JVMs. This run's guest could not map it: both rows below measure the same start.\n")
                .append("Measured in this run on the live guest (TCG): the agent JVM with the crash kernel's flags running `--help` in\n")
                .append("/opt/ow/lib, host-timed over the console, `-Xshare:off` vs `-Xshare:auto -XX:SharedArchiveFile=otherworld-agent.jsa`, alternating.\n\n");
        List<Map<String, Object>> js = list(results.get("guest_agent_jvm_start"));
        Stats off = Stats.of(js.stream().filter(m -> "off".equals(m.get("xshare")) && Long.valueOf(0).equals(m.get("exit")))
                .map(m -> (Number) dbl(m.get("ms"))).toList());
        Stats on = Stats.of(js.stream().filter(m -> "auto".equals(m.get("xshare")) && Long.valueOf(0).equals(m.get("exit")))
                .map(m -> (Number) dbl(m.get("ms"))).toList());
        md.append("| JVM start (`--help`) | median (min-max, n) |\n|---|---|\n");
        md.append("| without the archive (-Xshare:off) | ").append(fmtS(off)).append(" |\n");
        md.append("| with the agent's archive | ").append(fmtS(on)).append(" |\n");
        if (off.median() != null && on.median() != null) {
            md.append("\nSaving: ").append(String.format("%.1f s (%.0f%%)", (off.median() - on.median()) / 1000,
                    100 * (off.median() - on.median()) / off.median())).append(" per JVM start (medians).");
        }
        md.append(" Guest check `java -Xshare:on -XX:SharedArchiveFile=otherworld-agent.jsa -version`: ")
                .append(results.getOrDefault("guest_cds", "not run")).append(".\n");
        Path p = dir.resolve("performance.md");
        Files.writeString(p, md.toString());
        return p;
    }

    private static boolean boolTrue(Object o) {
        return Boolean.TRUE.equals(o);
    }

    private static String num(Object o, String f) {
        Double d = dbl(o);
        return d == null ? "n/a" : String.format(f, d);
    }

    static String kib(Object o) {
        Double d = dbl(o);
        return d == null ? "n/a" : String.format("%.1f MiB", d / 1024);
    }

    private static String verdicts(List<Map<String, Object>> trials) {
        if (trials.isEmpty()) {
            return "none run";
        }
        long pass = trials.stream().filter(t -> "pass".equals(t.get("verdict"))).count();
        return pass + " of " + trials.size() + " passed" + (pass == 0 ? " (the table uses all of them)" : " (the table uses the passing ones)");
    }

    /** The issue's targets are medians of at least this many runs. */
    static final int MIN_RUNS = 5;

    /**
     * {@code verdict} as it is when it rests on at least {@link #MIN_RUNS} runs (or nothing was measured);
     * else marked as not judged, with the number of runs (e.g. a run cut short, or --short).
     */
    static String enough(String verdict, int n) {
        if (n >= MIN_RUNS || verdict.equals("not measured")) {
            return verdict;
        }
        return verdict + "; not judged: n=" + n + ", the target needs a median of at least " + MIN_RUNS;
    }

    /** "yes"/"no" on medians (a below b when {@code lower}), or "not measured". */
    static String verdict(Stats a, Stats b, boolean lower) {
        if (a.median() == null || b.median() == null) {
            return "not measured";
        }
        return (lower ? a.median() < b.median() : a.median() > b.median()) ? "yes (medians)" : "no (medians)";
    }
}
