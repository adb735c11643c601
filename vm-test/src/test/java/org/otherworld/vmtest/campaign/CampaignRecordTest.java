package org.otherworld.vmtest.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.json.Json;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.trial.Workload;

/** A run's record is built from its evidence directory, and can be rebuilt later (reclassify). */
class CampaignRecordTest {
    @Test
    void recordsFromEvidenceAndReclassifies(@TempDir Path tmp) throws Exception {
        RunPlan p = RunPlan.plan(1, List.of(FaultType.NULL), 3).get(0);
        Path dir = Files.createDirectories(tmp.resolve("runs").resolve(p.id()));
        Files.writeString(dir.resolve("console.log"), OutcomeClassifierTest.BOOTED
                + "[ 16.7] ow_fault: armed 'null' seed=" + p.seed() + " delay_hits=3 on vfs_write+0x0/0x3f0\n"
                + "[ 17.4] ow_fault: firing 'null' seed=" + p.seed() + " at hit 3 of vfs_write+0x0/0x3f0 in sh[166]\n"
                + "[ 17.4] ow_fault: null: file argument (di) 0xff6e5ae30046bdf0 -> NULL\n"
                + OutcomeClassifierTest.CRASH.substring(OutcomeClassifierTest.BOOTED.length()));
        Map<String, Object> proc = OutcomeClassifierTest.proc("shell-loop", false, "fail", "no process with pid 166 running sh");
        proc.put("pid", 166L);
        Map<String, Object> rep = OutcomeClassifierTest.report(OutcomeClassifierTest.ALL, List.of(), List.of(), "fail", List.of(proc));
        Files.writeString(dir.resolve("report.json"), Json.write(rep));

        Map<String, Object> r = Campaign.record(p, dir, 80, null);
        assertEquals("RESURRECTION_FAILED", r.get("outcome"));
        assertEquals("restore", r.get("phase"));
        assertEquals("null: file argument (di) 0xff6e5ae30046bdf0 -> NULL", r.get("injection"));
        assertEquals("BUG: kernel NULL pointer dereference, address: X [RIP vfs_write]", r.get("symptom"));
        ResultsFile f = new ResultsFile(tmp.resolve("results.jsonl"));
        f.append(r);

        // the agent's report turns up later: the workload was the faulty process, lost by design
        rep.put("agent_report", Map.of("processes", List.of(Map.of("pid", 166L, "resurrect", false, "reason", "faulty process"))));
        Files.writeString(dir.resolve("report.json"), Json.write(rep));
        Campaign.Options o = new Campaign.Options(tmp, 1, List.of(FaultType.NULL), 3, 1, Duration.ofMinutes(1), 1024, "tcg",
                Workload.demos());
        Campaign c = new Campaign(new Workspace(tmp, tmp), s -> { });
        c.reclassify(o);
        List<Map<String, Object>> after = f.read();
        assertEquals(1, after.size());
        assertEquals("FAULTY_LOST", after.get(0).get("outcome"));
        assertEquals("faulty process lost by design", after.get(0).get("outcome_label"));
        assertEquals(80L, after.get(0).get("duration_s"));
        c.writeReport(o, f);
        assertTrue(Files.readString(tmp.resolve("report.md")).contains("workload shell-loop (extraction): the agent did not resurrect it: faulty process"));
        Map<String, Object> none = new LinkedHashMap<>(Campaign.record(p, tmp.resolve("runs/missing"), 5, "the run exceeded its time bound"));
        assertEquals("INVALID", none.get("outcome"));
    }
}
