package org.otherworld.vmtest.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.json.Json;

class BenchReportTest {
    static Map<String, Object> trial(String verdict, long extractionMs, long toFirst, double imageMb) {
        Map<String, Object> ph = new LinkedHashMap<>();
        for (String k : Breakdown.SOURCES.keySet()) {
            ph.put(k, 1000L);
        }
        ph.put("extraction", extractionMs);
        ph.put("total_to_first_request", toFirst);
        ph.put("total_to_restore_exit", toFirst - 5000);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("verdict", verdict);
        t.put("accel", "tcg");
        t.put("phases_ms", ph);
        t.put("agent", Map.of("image_mb", imageMb, "peak_rss_kib", 102400L));
        t.put("crash_kernel", Map.of("mem_available_kib_at_start", 184320L, "mem_available_kib_after_agent", 150000L));
        t.put("workloads", List.of(Map.of("name", "mem", "detail", "procs_ok=1/1 found=1 threads=1/1")));
        return t;
    }

    static Map<String, Object> results() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("config", Map.of("started", "2026-01-01T00:00:00Z", "kernel", "6.1", "crashkernel", "256M", "reps", 3L,
                "memory_mib", List.of(64L, 1024L), "steps", List.of("breakdown")));
        r.put("accelerators", Map.of("requested", "auto", "kvm_vs_tcg", "not measurable: no /dev/kvm on this host"));
        // agent MB/s: 100 MB in 10 s, 120 MB in 10 s, 90 MB in 10 s -> median 10 MB/s
        r.put("default_trials", List.of(trial("pass", 10_000, 60_000, 100), trial("pass", 10_000, 70_000, 120),
                trial("pass", 10_000, 80_000, 90), trial("fail", 1, 1, 1)));
        r.put("cold_reboot", List.of(Map.of("rep", 1L, "total_ms", 90_000L, "total_without_arm_ms", 85_000L),
                Map.of("rep", 2L, "total_ms", 100_000L, "total_without_arm_ms", 95_000L)));
        // criu: 40 MiB in 8 s = 5 MB/s; the failed cycle is left out of the throughput
        r.put("criu", List.of(Map.of("rep", 1L, "dump_ms_total", 8000L, "restore_ms_total", 6000L, "images_kib_total", 40960L,
                        "all_ok", true, "workloads", List.of(Map.of("name", "kv", "dump_exit", 0L, "restore_exit", 0L))),
                Map.of("rep", 2L, "dump_ms_total", 1L, "restore_ms_total", 1L, "images_kib_total", 1L, "all_ok", false,
                        "workloads", List.of(Map.of("name", "kv", "dump_exit", 1L, "restore_exit", 1L)))));
        Map<String, Object> gib = trial("pass", 60_000, 200_000, 1024);
        gib.put("x", 1024L);
        gib.put("mib", 1024L);
        gib.put("guest_mib", 2048L);
        // criu dumped the same 1 GiB process on a live guest in 32 s: 32 MiB/s against the agent's 1024/60
        gib.put("criu_dump", Map.of("guest_mib", 2048L, "dump_exit", 0L, "dump_ms", 32_000L, "images_kib", 1048576L));
        Map<String, Object> small = trial("pass", 6_000, 80_000, 64);
        small.put("x", 64L);
        small.put("mib", 64L);
        small.put("guest_mib", 1024L);
        small.put("criu_dump", Map.of("guest_mib", 1024L, "error", "the guest did not boot"));
        r.put("scaling", Map.of("memory", List.of(small, gib), "processes", List.of(), "threads", List.of()));
        r.put("overhead", List.of(
                Map.of("round", 1L, "mode", "armed", "server", "kvstore", "rps", 990.0),
                Map.of("round", 1L, "mode", "unarmed", "server", "kvstore", "rps", 1000.0),
                Map.of("round", 2L, "mode", "unarmed", "server", "kvstore", "rps", 1000.0),
                Map.of("round", 2L, "mode", "armed", "server", "kvstore", "rps", 1010.0),
                Map.of("round", 1L, "mode", "armed", "server", "sessions", "rps", 400.0),
                Map.of("round", 1L, "mode", "unarmed", "server", "sessions", "rps", 500.0),
                // round 2's sessions server was gone: no ratio from that round, the failure is shown
                Map.of("round", 2L, "mode", "armed", "server", "sessions", "rps", 410.0),
                Map.of("round", 2L, "mode", "unarmed", "server", "sessions", "rps", 0.0, "failed", "owbench load exit 1",
                        "server_alive", false, "server_log_tail", "# A fatal error has been detected by the Java Runtime Environment")));
        r.put("cold_boot_new_process", List.of(Map.of("rep", 1L, "machine", "powered off, new QEMU process",
                "total_ms", 50_000L, "total_without_arm_ms", 49_000L)));
        r.put("guest_agent_jvm_start", List.of(Map.of("rep", 1L, "xshare", "off", "exit", 0L, "ms", 10_000L),
                Map.of("rep", 1L, "xshare", "auto", "exit", 0L, "ms", 6_000L),
                Map.of("rep", 2L, "xshare", "off", "exit", 0L, "ms", 12_000L),
                Map.of("rep", 2L, "xshare", "auto", "exit", 1L, "ms", 1L)));
        r.put("guest_cds", "in use");
        return r;
    }

    @Test
    void ratiosPairArmedAndUnarmedOfTheSameRound() {
        Map<String, List<Double>> r = BenchReport.overheadRatios(BenchReport.list(results().get("overhead")));
        assertEquals(List.of(0.99, 1.01), r.get("kvstore"));
        assertEquals(List.of(0.8), r.get("sessions"));
    }

    @Test
    void throughputsComeFromImageSizeOverTime() {
        assertEquals(10.0, BenchReport.agentMbPerS(trial("pass", 10_000, 1, 100)), 1e-9);
        // all-zero pages the agent read and left out count as extracted memory (criu dump writes them)
        Map<String, Object> zeros = trial("pass", 10_000, 1, 100);
        zeros.put("agent", Map.of("image_mb", 100.0, "zero_pages_skipped", 5000L));
        assertEquals(11.953125, BenchReport.agentMbPerS(zeros), 1e-9); // MiB: 100 + 5000 pages of 4 KiB
        List<Map<String, Object>> criu = BenchReport.list(results().get("criu"));
        assertEquals(5.0, BenchReport.criuMbPerS(criu.get(0)), 1e-9);
        assertNull(BenchReport.criuMbPerS(criu.get(1)), "a failed dump has no throughput");
    }

    @Test
    void aVerdictOnFewerThanFiveRunsIsNotJudged() {
        assertEquals("yes (medians)", BenchReport.enough("yes (medians)", 5));
        assertEquals("no", BenchReport.enough("no", 7));
        assertEquals("not measured", BenchReport.enough("not measured", 0));
        assertEquals("yes (median); not judged: n=1, the target needs a median of at least 5",
                BenchReport.enough("yes (median)", 1));
    }

    @Test
    void writesTheReportAndItsCharts(@TempDir Path dir) throws Exception {
        // through JSON, as --report-only reads it
        @SuppressWarnings("unchecked")
        Map<String, Object> parsed = (Map<String, Object>) Json.parse(Json.write(results()));
        Path md = BenchReport.write(parsed, dir);
        String text = Files.readString(md);
        // passing trials only: medians 70 s to first request vs cold 95 s
        assertTrue(text.contains("resurrection 70.0 (60.0-80.0, n=3) s vs cold reboot 95.0 (90.0-100.0, n=2) s"), text);
        assertTrue(text.contains("(without its kdump arming: 90.0 (85.0-95.0, n=2) s) | yes (medians); not judged: n=2, the target needs a median of at least 5"), text);
        assertTrue(text.contains("ratio 2.00 | yes; not judged: n="), text);
        assertTrue(text.contains("kvstore | 1.000 (0.990-1.010, n=2) | yes (median); not judged: n=2, the target needs a median of at least 5"), text);
        assertTrue(text.contains("sessions | 0.800 (n=1) | no (median); not judged: n=1,"), text);
        assertTrue(text.contains("- round 2 unarmed sessions: no measurement (owbench load exit 1; the round gives no ratio "
                + "for it); server process gone. The server's last output:\n\n      # A fatal error"), text);
        assertTrue(text.contains("| 1 | powered off, new QEMU process | n/a | n/a | n/a | 50.0 s | 49.0 s |"), text);
        assertTrue(text.contains("verdict pass, agent peak RSS 100.0 MiB"), text);
        assertTrue(text.contains("3 of 4 passed"), text);
        assertTrue(text.contains("rep 2 kv: dump exit 1, restore exit 1"), text);
        assertTrue(text.contains("### processes\n\nnot run"), text);
        assertTrue(text.contains("| criu dump (live guest) | agent/criu MiB/s |"), text);
        assertTrue(text.contains("| 32.0 s, 1024.0 MiB, 32.0 MiB/s | 0.53 (17.1 / 32.0) |"), text);
        assertTrue(text.contains("| failed: the guest did not boot | n/a |"), text);
        // a failed start is left out: off 10 s and 12 s, auto 6 s
        assertTrue(text.contains("| without the archive (-Xshare:off) | 11.0 (10.0-12.0, n=2) s |"), text);
        assertTrue(text.contains("| with the agent's archive | 6.0 (n=1) s |"), text);
        assertTrue(text.contains("Saving: 5.0 s (45%) per JVM start (medians). Guest check `java -Xshare:on "
                + "-XX:SharedArchiveFile=otherworld-agent.jsa -version`: in use."), text);
        assertTrue(text.indexOf("## 4.") < text.indexOf("## 5."), text);
        for (String png : List.of("perf-breakdown.png", "perf-baselines.png", "perf-scaling-memory.png")) {
            assertNotNull(ImageIO.read(dir.resolve(png).toFile()), png);
            assertTrue(text.contains("(" + png + ")"), png);
        }
        assertTrue(Files.notExists(dir.resolve("perf-scaling-threads.png")));
    }

    @Test
    void anEmptyRunSaysWhatWasNotRun(@TempDir Path dir) throws Exception {
        String text = Files.readString(BenchReport.write(Map.of("config", Map.of()), dir));
        assertTrue(text.contains("| steady-state throughput armed/unarmed >= 0.99 | not measured"), text);
        assertTrue(text.contains("1 GiB process resurrected with crashkernel=null | not run"), text);
        assertTrue(text.contains("none run"), text);
    }
}
