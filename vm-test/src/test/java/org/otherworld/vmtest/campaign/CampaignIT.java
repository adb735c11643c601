package org.otherworld.vmtest.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.it.VmAvailability;
import org.otherworld.vmtest.trial.Workload;

/**
 * A three-run campaign on real guests: a module fault (NULL argument in vfs_write), a register bit
 * flip through the gdb stub, and a hung task. Each run must get its fault injected and be classified;
 * a rerun must resume (run nothing). Skipped, saying why, where QEMU or gdb cannot run (same rules as
 * the other VM tests; OTHERWORLD_SKIP_VM=1 skips on purpose).
 */
class CampaignIT {
    @Test
    void threeInjectorsAreRunClassifiedAndResumable(@TempDir Path tmp) throws Exception {
        Workspace ws = VmAvailability.workspace("/usr/bin/gdb");
        Campaign.Options o = new Campaign.Options(tmp, 3, List.of(FaultType.NULL, FaultType.GDB_REG, FaultType.HUNG), 11, 1,
                Duration.ofMinutes(5), 1024, System.getenv().getOrDefault("OTHERWORLD_ACCEL", "auto"),
                // without the JVM workload: the machinery is the same, and each run saves the JVM's start, image, restore and check time
                Workload.demos().stream().filter(w -> !w.name().equals("jvm-counter")).toList());
        List<Map<String, Object>> recs = new Campaign(ws, System.out::println).run(o);
        assertEquals(3, recs.size());
        for (Map<String, Object> r : recs) {
            assertNotEquals(Outcome.INVALID.name(), r.get("outcome"), "run " + r.get("run_id") + " never injected its fault: " + r);
            Path ev = tmp.resolve(String.valueOf(r.get("evidence")));
            assertTrue(Files.isRegularFile(ev.resolve("console.log")), "evidence kept for " + r.get("run_id"));
            assertTrue(Files.isRegularFile(ev.resolve("report.json")), "report kept for " + r.get("run_id"));
        }
        // the module fired its seeded perturbation in the probed write path
        String con = Files.readString(tmp.resolve("runs/r0000-null/console.log"), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(con.contains("ow_fault: armed 'null' seed=" + recs.get(0).get("seed")), "module armed");
        assertTrue(con.contains("ow_fault: firing 'null'"), "module fired");
        // ... only in the dedicated trigger process, not in a workload
        java.util.regex.Matcher armed = java.util.regex.Pattern.compile("counting writes of trigger pid (\\d+)").matcher(con);
        assertTrue(armed.find(), "armed for the trigger process");
        java.util.regex.Matcher fired = java.util.regex.Pattern.compile("ow_fault: firing 'null' .* in [^\\[]+\\[(\\d+)\\]").matcher(con);
        assertTrue(fired.find(), "firing line");
        assertEquals(armed.group(1), fired.group(1), "fired in the trigger process");
        // the gdb injector reached the guest's stub
        String inj = Files.readString(tmp.resolve("runs/r0001-gdb-reg/injection.log"));
        assertTrue(inj.contains(" rip "), inj);
        // a hung task is always detected: the run manifested
        assertTrue(Outcome.parse(String.valueOf(recs.get(2).get("outcome"))).manifested(), recs.get(2).toString());
        assertNotNull(ImageIO.read(tmp.resolve(CampaignReport.CHART).toFile()));
        assertTrue(Files.readString(tmp.resolve("report.md")).contains("| hung |"));

        // resuming runs nothing
        long t0 = System.nanoTime();
        assertEquals(3, new Campaign(ws, System.out::println).run(o).size());
        assertTrue((System.nanoTime() - t0) / 1e9 < 20, "a finished campaign resumes without running guests");
        assertEquals(3, Files.readAllLines(tmp.resolve("results.jsonl")).size());
    }
}
