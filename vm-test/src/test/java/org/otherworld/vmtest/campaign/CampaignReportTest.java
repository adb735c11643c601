package org.otherworld.vmtest.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CampaignReportTest {
    static Map<String, Object> rec(int i, String type, Outcome o, String phase, String cause) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", String.format("r%04d-%s", i, type));
        m.put("index", (long) i);
        m.put("type", type);
        m.put("seed", 100L + i);
        m.put("outcome", o.name());
        m.put("outcome_label", phase == null ? o.label() : o.label() + " (phase " + phase + ")");
        m.put("phase", phase);
        m.put("cause", cause);
        m.put("symptom", o == Outcome.NOT_MANIFESTED ? null : "BUG: kernel NULL pointer dereference, address: X");
        m.put("duration_s", 70L);
        m.put("evidence", "runs/" + m.get("run_id"));
        return m;
    }

    static List<Map<String, Object>> sample() {
        List<Map<String, Object>> l = new ArrayList<>();
        l.add(rec(0, "stack", Outcome.SUCCESS, null, null));
        l.add(rec(1, "stack", Outcome.RESURRECTION_FAILED, "extraction", "the resurrector agent exited with code 3"));
        l.get(1).put("workload_failures", List.of("workload mtworker (extraction): the agent did not resurrect it: unix fd 6",
                "workload shell-loop (restore): criu restore exited with 1: boom"));
        l.add(rec(2, "gdb-reg", Outcome.NOT_MANIFESTED, null, null));
        l.add(rec(3, "gdb-reg", Outcome.RESURRECTION_FAILED, "extraction", "the resurrector agent exited with code 3"));
        l.add(rec(4, "hung", Outcome.CRASH_KERNEL_NO_BOOT, null, "the kernel panicked but the crash kernel did not report in"));
        l.add(rec(5, "hung", Outcome.DATA_CORRUPTION, null, "workload x state check failed: a|b"));
        return l;
    }

    @Test
    void countsAndTables() {
        Map<String, Map<Outcome, Integer>> c = CampaignReport.counts(sample());
        assertEquals(List.of("stack", "gdb-reg", "hung"), new ArrayList<>(c.keySet()));
        assertEquals(1, c.get("stack").get(Outcome.SUCCESS));
        assertEquals(1, c.get("hung").get(Outcome.CRASH_KERNEL_NO_BOOT));

        String md = CampaignReport.markdown(sample(), Map.of("campaign seed", 9), "outcomes.png");
        // per type: 8 outcome columns, runs, success rate among crash-kernel-booted runs
        assertTrue(md.contains("| stack | 0 | 0 | 0 | 1 | 0 | 0 | 1 | 0 | 2 | 50% (1/2) |"), md);
        assertTrue(md.contains("| gdb-reg | 1 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 2 | 0% (0/1) |"), md);
        assertTrue(md.contains("| **all** | 1 | 0 | 1 | 2 | 1 | 0 | 1 | 0 | 6 | 25% (1/4) |"), md);
        assertTrue(md.contains("| faults that manifested (of valid runs) | 83% (5/6) |"), md);
        assertTrue(md.contains("| crash kernel booted (of panics) | 80% (4/5) |"), md);
        assertTrue(md.contains("**25% (1/4)**"), md);
        // grouped causes, most frequent first; pipes escaped
        assertTrue(md.contains("| 2 | resurrection failed (phase extraction): the resurrector agent exited with code N |"), md);
        assertTrue(md.contains("a\\|b"), md);
        assertTrue(md.contains("| 1 | workload mtworker (extraction): the agent did not resurrect it: unix fd N |"), md);
        assertTrue(md.contains("97-98%"), md);
        assertTrue(md.contains("![outcomes per fault type](outcomes.png)"), md);
    }

    @Test
    void writesAReadablePng(@TempDir Path tmp) throws Exception {
        CampaignReport.write(tmp, sample(), Map.of("campaign seed", 9));
        assertTrue(Files.isRegularFile(tmp.resolve("report.md")));
        BufferedImage img = ImageIO.read(tmp.resolve(CampaignReport.CHART).toFile());
        assertNotNull(img);
        assertEquals(OutcomeChart.WIDTH, img.getWidth());
        assertEquals(OutcomeChart.HEIGHT, img.getHeight());
        // the success segment's colour is drawn somewhere
        int green = OutcomeChart.color(Outcome.SUCCESS).getRGB();
        boolean found = false;
        for (int x = 0; x < img.getWidth() && !found; x++) {
            for (int y = 0; y < img.getHeight() && !found; y++) {
                found = img.getRGB(x, y) == green;
            }
        }
        assertTrue(found, "the chart has a success segment");
    }
}
