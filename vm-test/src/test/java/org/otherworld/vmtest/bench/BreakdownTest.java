package org.otherworld.vmtest.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BreakdownTest {
    static Map<String, Object> report(String firstRequestDetail) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("verdict", "pass");
        r.put("timeline_ms", Map.of("crash", 100_000L, "crash-kernel", 108_000L, "agent-start", 109_000L,
                "agent-exit", 139_000L, "main-kernel-2", 146_000L, "restore-exit", 153_000L));
        r.put("phases_ms", Map.of("panic_to_crash_kernel", 8_000L, "total_downtime", 53_000L));
        r.put("agent_report", Map.of("phases_ms", Map.of("open", 1000L, "read", 2000L, "plan", 500L, "images", 9000L,
                "flush", 700L, "total", 13200L)));
        r.put("processes", List.of(Map.of("name", "shell-loop", "detail", "ok"),
                Map.of("name", Bench.FIRST_REQUEST, "detail", firstRequestDetail)));
        return r;
    }

    @Test
    void splitsTheDowntimeFromTheThreeClocks() {
        Map<String, Long> p = Breakdown.of(report("first_request_uptime=25.30 attempts=40\nprocs_ok=1/1"), MarkersTest.CONSOLE);
        assertEquals(8000L, p.get("panic_to_crash_kernel_init"));
        assertEquals(3200L, p.get("crash_kernel_boot"));
        assertEquals(800L, p.get("crash_kernel_setup"));
        // agent wall time 30.5 s on the crash kernel's clock minus its own 13.2 s
        assertEquals(17300L, p.get("agent_jvm_start"));
        assertEquals(12500L, p.get("extraction"));
        assertEquals(700L, p.get("dirty_page_flush"));
        assertEquals(2500L, p.get("handover_prepare"));
        // host agent-exit -> main-kernel-2 = 7 s, minus the 2.5 s prepare
        assertEquals(4500L, p.get("kexec_to_main_kernel_init"));
        assertEquals(4800L, p.get("main_kernel_boot"));
        assertEquals(700L, p.get("main_init_to_restore"));
        assertEquals(6750L, p.get("restore"));
        assertNull(p.get("restore_sets")); // this console has no restore.sh marker
        assertEquals(2100L, p.get("restore_jvm_start"));
        assertEquals(3246L, p.get("restorer_own_total"));
        assertEquals(6750L - 2100L - 3246L, p.get("restore_jvm_exit"));
        assertEquals(3050L, p.get("rearm_to_booted"));
        // the watcher's first good reply at 25.3 s, the restore started at 5.5 s
        assertEquals(19800L, p.get("restore_start_to_first_request"));
        assertEquals(53000L, p.get("total_to_restore_exit"));
        // host crash -> main kernel-up is 46 s; the main kernel was up 4.8 s then, and answered at 25.3 s
        assertEquals(46000L - 4800L + 25300L, p.get("total_to_first_request"));
        assertEquals(Breakdown.SOURCES.keySet(), p.keySet());
    }

    @Test
    void whatWasNotObservedIsNull() {
        Map<String, Long> p = Breakdown.of(report("no good kvstore reply within 180 s"), "OW-MAIN kernel-up uptime=5.0\n");
        assertNull(p.get("restore_start_to_first_request"));
        assertNull(p.get("total_to_first_request"));
        assertNull(p.get("crash_kernel_boot"));
        assertNull(p.get("agent_jvm_start"));
        assertNull(p.get("restore"));
        assertEquals(12500L, p.get("extraction"));
    }

    @Test
    void anEmptyReportGivesOnlyNulls() {
        Map<String, Long> p = Breakdown.of(Map.of(), "");
        assertEquals(Breakdown.SOURCES.size(), p.size());
        p.values().forEach(v -> assertNull(v));
    }

    @Test
    void theRestoreScriptSplitsTheRestore() {
        String console = MarkersTest.CONSOLE.replace("OW-MAIN restore-start uptime=5.50\n",
                "OW-MAIN restore-start uptime=5.50\nOW-MAIN restore-sets-done uptime=7.00\n");
        Map<String, Long> p = Breakdown.of(report("first_request_uptime=6.10 failed_before=3"), console);
        assertEquals(1500L, p.get("restore_sets"));
        assertEquals(6750L - 1500L - 2100L - 3246L, p.get("restore_jvm_exit"));
        assertEquals(600L, p.get("restore_start_to_first_request"));
    }
}
