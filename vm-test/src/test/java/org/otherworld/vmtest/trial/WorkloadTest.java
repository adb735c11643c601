package org.otherworld.vmtest.trial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    @Test
    void everyWorkloadRunsInItsOwnSessionAndRecordsItsPid() {
        for (Workload w : Workload.demos()) {
            String s = w.startCommand();
            assertTrue(s.contains("setsid sh -c 'echo $$ > .ow-pid;"), s);
            assertTrue(s.endsWith("&)"), s);
            assertEquals(w.dir() + "/.ow-pid", w.pidFile());
        }
        assertEquals(List.of("shell-loop", "mtworker", "jvm-counter"), Workload.demos().stream().map(Workload::name).toList());
    }

    @Test
    void userWorkloadsLiveOnTheDataDisk() {
        Workload w = Workload.user("db", Path.of("/tmp/db"));
        assertEquals("/data/workloads/db", w.dir());
        assertEquals("./check", w.check());
        assertThrows(IllegalArgumentException.class, () -> Workload.user("../x", Path.of("/tmp")));
    }

    @Test
    void faultsParseByLabel() {
        assertEquals(Fault.OOPS, Fault.parse("oops"));
        assertThrows(IllegalArgumentException.class, () -> Fault.parse("meteor"));
    }
}
