package org.otherworld.vmtest.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.otherworld.vmtest.trial.Workload;

class CampaignParamsTest {
    static Campaign.Options opts(Path out, long seed, List<FaultType> types) {
        return new Campaign.Options(out, 12, types, seed, 1, Duration.ofMinutes(5), 1024, "tcg", Workload.demos(), true, 2);
    }

    @Test
    void aDirectoryHoldsOneCampaign(@TempDir Path tmp) throws Exception {
        Campaign.Options a = opts(tmp, 7, List.of(FaultType.NULL, FaultType.HUNG));
        assertNull(Campaign.storedParams(tmp));
        Campaign.checkSameCampaign(a); // nothing stored yet
        Files.writeString(tmp.resolve(Campaign.PARAMS), Json.write(Campaign.params(a)));
        Map<String, Object> p = Campaign.storedParams(tmp);
        assertEquals(7L, ((Number) p.get("seed")).longValue());
        assertEquals(List.of("null", "hung"), p.get("types"));
        assertEquals(List.of("shell-loop", "mtworker", "jvm-counter"), p.get("workloads"));
        assertEquals(true, p.get("keep_vmcore"));
        Campaign.checkSameCampaign(a);
        // more runs and other parallelism are the same campaign; another seed or other types are not
        Campaign.checkSameCampaign(new Campaign.Options(tmp, 200, a.types(), 7, 2, Duration.ofMinutes(9), 1024, "tcg",
                Workload.demos(), true, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Campaign.checkSameCampaign(opts(tmp, 8, a.types())));
        assertTrue(e.getMessage().contains("seed 7, not 8") && e.getMessage().contains("--resume"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Campaign.checkSameCampaign(opts(tmp, 7, List.of(FaultType.NULL))));
    }

    @Test
    void vmcoresStayOnlyForFailedRuns(@TempDir Path tmp) throws Exception {
        for (Outcome o : Outcome.values()) {
            Path dir = tmp.resolve(o.name());
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("vmcore"), "ELF");
            Map<String, Object> rec = new LinkedHashMap<>(Map.of("run_id", "r0000-null", "outcome", o.name(),
                    "evidence", "runs/r0000-null"));
            Campaign.keepVmcoreOfFailures(rec, dir, s -> { });
            boolean kept = o == Outcome.RESURRECTION_FAILED || o == Outcome.DATA_CORRUPTION || o == Outcome.SILENT_FAILURE
                    || o == Outcome.CRASH_KERNEL_NO_BOOT;
            assertEquals(kept, Files.exists(dir.resolve("vmcore")), o.name());
            assertEquals(kept ? "runs/r0000-null/vmcore" : null, rec.get("vmcore"), o.name());
        }
        Map<String, Object> none = new LinkedHashMap<>(Map.of("run_id", "x", "outcome", "RESURRECTION_FAILED"));
        Campaign.keepVmcoreOfFailures(none, tmp.resolve("absent"), s -> { });
        assertFalse(none.containsKey("vmcore"));
    }
}
