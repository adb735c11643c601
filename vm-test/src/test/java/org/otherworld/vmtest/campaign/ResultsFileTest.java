package org.otherworld.vmtest.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsFileTest {
    static Map<String, Object> rec(String id, String outcome) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", id);
        m.put("outcome", outcome);
        m.put("cause", "line one\nline two | with a bar");
        return m;
    }

    @Test
    void appendsOneLinePerRunAndReadsBack(@TempDir Path tmp) throws Exception {
        ResultsFile f = new ResultsFile(tmp.resolve("c/results.jsonl"));
        assertTrue(f.read().isEmpty());
        f.append(rec("r0000-stack", "SUCCESS"));
        f.append(rec("r0001-null", "INVALID"));
        assertEquals(2, Files.readAllLines(f.path()).size());
        List<Map<String, Object>> all = f.read();
        assertEquals("r0001-null", all.get(1).get("run_id"));
        assertEquals("line one\nline two | with a bar", all.get(0).get("cause"));
        assertThrows(IllegalArgumentException.class, () -> f.append(Map.of("outcome", "SUCCESS")));
    }

    @Test
    void resumeSkipsFinishedAndIgnoresACutLine(@TempDir Path tmp) throws Exception {
        ResultsFile f = new ResultsFile(tmp.resolve("results.jsonl"));
        f.append(rec("r0000-stack", "SUCCESS"));
        // a run killed while its line was being written
        Files.writeString(f.path(), "{\"run_id\":\"r0001-null\",\"outc", StandardOpenOption.APPEND);
        assertEquals(Set.of("r0000-stack"), f.finishedIds());

        List<RunPlan> plan = RunPlan.plan(3, List.of(FaultType.STACK, FaultType.NULL, FaultType.HUNG), 5);
        List<String> todo = plan.stream().map(RunPlan::id).filter(id -> !f.finishedIds().contains(id)).toList();
        assertEquals(List.of("r0001-null", "r0002-hung"), todo);

        // the next append starts on a new line, so both records survive
        f.append(rec("r0001-null", "NOT_MANIFESTED"));
        assertEquals(Set.of("r0000-stack", "r0001-null"), f.finishedIds());
        f.append(rec("r0001-null", "SILENT_FAILURE"));
        assertEquals(2, f.latest().size());
        assertEquals("SILENT_FAILURE", f.latest().get(1).get("outcome"));
    }
}
