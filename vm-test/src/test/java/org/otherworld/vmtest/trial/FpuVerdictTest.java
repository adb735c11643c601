package org.otherworld.vmtest.trial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.otherworld.vmtest.guest.GuestKernel;

class FpuVerdictTest {
    static Map<String, Object> manifest(long pid, List<Object> unrestored) {
        return Map.of("format", 1L, "processes", List.of(Map.of("pid", pid, "unrestored", unrestored)));
    }

    static Map<String, Object> fpuEntry(long tid) {
        return Map.of("fd", -1L, "kind", "fpu", "description", "FPU/SSE/AVX registers of thread " + tid,
                "reason", "running at the crash");
    }

    static final String INTACT = "pattern intact: 2 threads (avx2), every counter advanced after the restore\n  thread 0: 1 -> 2";
    static final String BROKEN = "pattern broken: 16 MISMATCH line(s) in fpu.log; process 167 gone\n"
            + "  MISMATCH thread=1 tid=170 reg=ymm0 lane=0 got=1 want=2 iter=5\n";

    @Test
    void patchedKernelExpectsNoFpuEntryAndAnIntactPattern() {
        Map<String, Object> ok = FpuVerdict.of(GuestKernel.PATCHED, "6.1.192-otherworld", 167, true, INTACT,
                manifest(167, List.of()), 167L);
        assertEquals("yes", ok.get("expected"));
        assertEquals("intact", ok.get("pattern"));
        assertTrue(String.valueOf(ok.get("agent_fpu")).startsWith("exact"));

        Map<String, Object> flagged = FpuVerdict.of(GuestKernel.PATCHED, "6.1.192-otherworld", 167, true, INTACT,
                manifest(167, List.of(fpuEntry(170))), 167L);
        assertTrue(String.valueOf(flagged.get("expected")).startsWith("NO: the agent marked"), String.valueOf(flagged.get("expected")));

        Map<String, Object> stockRan = FpuVerdict.of(GuestKernel.PATCHED, "6.1.0-28-cloud-amd64", 167, true, INTACT,
                manifest(167, List.of()), 167L);
        assertTrue(String.valueOf(stockRan.get("expected")).contains("did not run the patched kernel"));
    }

    @Test
    void stockKernelExpectsTheBrokenThreadsToBeFlagged() {
        Map<String, Object> ok = FpuVerdict.of(GuestKernel.STOCK, "6.1.0-28-cloud-amd64", 167, true, BROKEN,
                manifest(167, List.of(fpuEntry(170))), 167L);
        assertEquals("yes", ok.get("expected"), String.valueOf(ok.get("expected")));
        assertEquals(List.of(170L), ok.get("broken_tids"));
        assertEquals("broken", ok.get("pattern"));

        Map<String, Object> wrongThread = FpuVerdict.of(GuestKernel.STOCK, "6.1.0-28-cloud-amd64", 167, true, BROKEN,
                manifest(167, List.of(fpuEntry(169))), 167L);
        assertTrue(String.valueOf(wrongThread.get("expected")).contains("flagged only [169]"));

        Map<String, Object> absent = FpuVerdict.of(GuestKernel.STOCK, "6.1.0-28-cloud-amd64", 167, true, BROKEN,
                manifest(167, List.of()), 167L);
        assertTrue(String.valueOf(absent.get("expected")).contains("ABSENT"), String.valueOf(absent.get("expected")));

        Map<String, Object> notResurrected = FpuVerdict.of(GuestKernel.STOCK, "6.1.0-28-cloud-amd64", 167, false,
                "no process with pid 167", manifest(167, List.of(fpuEntry(170))), 167L);
        assertEquals("yes", notResurrected.get("expected"));
        assertTrue(String.valueOf(notResurrected.get("pattern")).startsWith("not checked"));

        Map<String, Object> restoredThenGone = FpuVerdict.of(GuestKernel.STOCK, "6.1.0-28-cloud-amd64", 167, false, BROKEN,
                manifest(167, List.of()), 167L);
        assertEquals("broken", restoredThenGone.get("pattern"));
        assertTrue(String.valueOf(restoredThenGone.get("expected")).contains("ABSENT"));
    }

    @Test
    void aMissingManifestIsReportedNotGuessed() {
        Map<String, Object> r = FpuVerdict.of(GuestKernel.PATCHED, "6.1.192-otherworld", 167, true, INTACT, null, null);
        assertTrue(String.valueOf(r.get("agent_fpu")).startsWith("unknown"));
        assertTrue(String.valueOf(r.get("expected")).startsWith("NO"));
    }

    @Test
    void treeAndKernelsComeFromTheReportAndConsole() {
        Map<String, Object> agent = Map.of("processes", List.of(Map.of("pid", 167L, "tree", 160L)));
        assertEquals(160L, FpuVerdict.treeOf(agent, 167));
        assertEquals(null, FpuVerdict.treeOf(agent, 5));
        assertEquals(List.of("? 6.1.192-otherworld"), FpuVerdict.kernelsBooted(
                "[0.0] Linux version 6.1.192-otherworld (gcc)\nfoo\n"));
        assertEquals(List.of("main 6.1.192-otherworld", "crash 6.1.192-otherworld", "main 6.1.192-otherworld"),
                FpuVerdict.kernelsBooted("[0.0] Linux version 6.1.192-otherworld (gcc)\nOW-KERNEL role=main release=6.1.192-otherworld\n"
                        + "OW-KERNEL role=crash release=6.1.192-otherworld\r\nx\nOW-KERNEL role=main release=6.1.192-otherworld\n"));
    }

    @Test
    void fpuIsABuiltinWorkloadButNotADefaultOne() {
        assertNotNull(Workload.builtin("fpu"));
        assertTrue(Workload.builtinNames().contains("mtworker"));
        assertTrue(Workload.demos().stream().noneMatch(w -> w.name().equals("fpu")));
        assertTrue(Workload.fpu().check().contains("\"$PRE\""));
    }

    @Test
    void theAgentsThreadProvenanceDecidesWhetherATrialProvesAnything() {
        Map<String, Object> agent = Map.of("processes", List.of(Map.of("pid", 167L, "threads", List.of(
                Map.of("tid", 167L, "fpu", "exact"), Map.of("tid", 170L, "fpu", "saved_at_crash")))));
        Map<Long, String> prov = FpuVerdict.threadProvenance(agent, 167);
        assertEquals(Map.of(167L, "exact", 170L, "saved_at_crash"), prov);
        assertEquals(null, FpuVerdict.threadProvenance(agent, 5));
        Map<String, Object> proved = FpuVerdict.of(GuestKernel.PATCHED, "6.1.192-otherworld", 167, true, INTACT,
                manifest(167, List.of()), 167L, prov);
        assertEquals("yes", proved.get("expected"));
        assertEquals(List.of(170L), proved.get("running_at_crash"));
        // nobody was on a CPU: intact proves nothing
        Map<String, Object> idle = FpuVerdict.of(GuestKernel.PATCHED, "6.1.192-otherworld", 167, true, INTACT,
                manifest(167, List.of()), 167L, Map.of(167L, "exact", 170L, "exact"));
        assertTrue(String.valueOf(idle.get("expected")).startsWith("inconclusive"), idle.toString());
        // approximate on the patched kernel is a failure of the patch
        Map<String, Object> missed = FpuVerdict.of(GuestKernel.PATCHED, "6.1.192-otherworld", 167, true, INTACT,
                manifest(167, List.of()), 167L, Map.of(170L, "approximate"));
        assertTrue(String.valueOf(missed.get("expected")).startsWith("NO"), missed.toString());
        // stock: the running thread is approximate, flagged and broken
        Map<String, Object> stock = FpuVerdict.of(GuestKernel.STOCK, "6.1.0-28-cloud-amd64", 167, false, BROKEN,
                manifest(167, List.of(fpuEntry(170))), 167L, Map.of(167L, "exact", 170L, "approximate"));
        assertEquals("yes", stock.get("expected"), stock.toString());
    }
}
