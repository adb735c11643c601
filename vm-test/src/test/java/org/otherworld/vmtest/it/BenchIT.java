package org.otherworld.vmtest.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.bench.Bench;
import org.otherworld.vmtest.bench.BenchReport;

/**
 * {@code bench --short}: every step of the benchmark once on a real guest, and the report written.
 * Timings are reported, never asserted; what is asserted is that each step produced its records.
 */
class BenchIT {
    @Test
    @SuppressWarnings("unchecked")
    void theShortBenchRunsEveryStepAndWritesItsReport(@TempDir Path tmp) throws Exception {
        Workspace ws = VmAvailability.workspace("/usr/bin/gcc");
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libc.a")),
                "bench needs a static libc (libc6-dev) to build owbench");
        Path out = tmp.resolve("bench");
        Bench.Options o = Bench.Options.shortRun(out, System.getenv().getOrDefault("OTHERWORLD_ACCEL", "auto"));
        Map<String, Object> r = new Bench(ws, System.out::println).run(o);
        Path md = BenchReport.write(r, out);
        System.out.println(Files.readString(md));
        assertTrue(Files.isRegularFile(out.resolve("results.json")));
        assertEquals(1, ((List<Object>) r.get("default_trials")).size());
        assertFalse(((List<Object>) r.get("cold_reboot")).isEmpty(), "cold reboot measured");
        assertFalse(((List<Object>) r.get("criu")).isEmpty(), "criu cycle measured");
        assertFalse(((List<Object>) r.get("overhead")).isEmpty(), "overhead measured");
        Map<String, Object> sc = (Map<String, Object>) r.get("scaling");
        Map<String, List<Integer>> points = Map.of("memory", o.memoryMiB(), "processes", o.processes(), "threads", o.threads());
        for (String axis : List.of("memory", "processes", "threads")) {
            assertEquals(points.get(axis).size(), ((List<Object>) sc.get(axis)).size(), axis);
            assertTrue(Files.isRegularFile(out.resolve("perf-scaling-" + axis + ".png")), axis + " chart");
        }
        assertTrue(Files.isRegularFile(out.resolve("perf-breakdown.png")));
    }
}
