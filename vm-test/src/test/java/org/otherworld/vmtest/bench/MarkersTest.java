package org.otherworld.vmtest.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class MarkersTest {
    static final String CONSOLE = String.join("\n",
            "[    0.000000] Linux version 6.1",
            "OW-MAIN kernel-up uptime=5.06",
            "OW-MAIN data-mounted uptime=5.90",
            "OW-MAIN armed loaded=1 uptime=9.50",
            "OW-MAIN booted kernel=6.1.0-56-cloud-amd64 boot=cold uptime=9.80",
            "sysrq: Trigger a crash",
            "OW-CRASH kernel-up vmcore_bytes=1073741824 mem_available_kib=180000 uptime=3.20",
            "OW-CRASH data-mounted uptime=3.70",
            "OW-CRASH agent-start uptime=4.00",
            "agent: resurrect: 7 of 9 processes",
            "OW-CRASH agent-exit code=0 mem_available_kib=150000 uptime=34.50",
            "OW-CRASH handover-kexec uptime=37.00",
            "OW-MAIN kernel-up uptime=4.80",
            "OW-MAIN restore-start uptime=5.50",
            "restore: restore: JVM started in 2100 ms",
            "restore: set 171: restored in 526 ms",
            "restore: restore: 7 of 7 sets restored, 2 reports delivered, 3246 ms",
            "OW-MAIN restore-exit code=0 uptime=12.25",
            "OW-MAIN armed loaded=1 uptime=15.00",
            "OW-MAIN booted kernel=6.1.0-56-cloud-amd64 boot=resurrected uptime=15.30",
            "");

    @Test
    void groupsMarkersIntoOneBootPerKernel() {
        List<Markers.Boot> boots = Markers.parse(CONSOLE);
        assertEquals(3, boots.size());
        assertEquals(List.of("MAIN", "CRASH", "MAIN"), boots.stream().map(Markers.Boot::kind).toList());
        assertEquals("resurrected", Markers.last(boots, "MAIN").attr("booted", "boot"));
        assertNull(Markers.last(boots, "NONE"));
        Markers.Boot crash = Markers.nth(boots, "CRASH", 0);
        assertEquals(3.2, crash.uptime("kernel-up"));
        assertEquals("1073741824", crash.attr("kernel-up", "vmcore_bytes"));
        assertEquals("150000", crash.attr("agent-exit", "mem_available_kib"));
        assertEquals(30500L, crash.ms("agent-start", "agent-exit"));
        Markers.Boot main2 = Markers.nth(boots, "MAIN", 1);
        assertEquals(6750L, main2.ms("restore-start", "restore-exit"));
        assertEquals("resurrected", main2.attr("booted", "boot"));
    }

    @Test
    void missingEventsAndKernelsAreNull() {
        List<Markers.Boot> boots = Markers.parse("OW-MAIN kernel-up uptime=1.0\nOW-MAIN booted uptime=2.5\n");
        assertEquals(1, boots.size());
        assertNull(Markers.nth(boots, "CRASH", 0));
        assertNull(Markers.nth(boots, "MAIN", 1));
        assertNull(boots.get(0).ms("kernel-up", "armed"));
        assertEquals(1500L, boots.get(0).ms("kernel-up", "booted"));
    }

    @Test
    void aLineCutOffBeforeItsUptimeIsNotAMarker() {
        assertEquals(0, Markers.parse("OW-CRASH handover-kex\n").size());
    }
}
