package org.otherworld.vmtest.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.trial.Fault;
import org.otherworld.vmtest.trial.Trial;
import org.otherworld.vmtest.trial.Workload;

/**
 * TCP inside the guest (issue 10): {@code tcploop} (a client and a server talking over 127.0.0.1 and
 * ::1 with bytes unread in both directions) and the kvstore/sessions servers without a crash procedure,
 * each holding a connection from a client in its tree, must come back whole after a sysrq panic: every
 * workload resurrected with its pid and passing its check (nothing lost, duplicated or reordered; the same
 * connection still working), and the servers, which have no crash procedure, resurrected with nothing
 * unrestored (an advisory {@code fpu} entry of a thread that was on a CPU is allowed on a stock kernel).
 * Like TrialIT, one failed trial is run again once.
 */
class LoopbackTrialIT {
    @Test
    @SuppressWarnings("unchecked")
    void loopbackConnectionsAndServersWithoutProcedureSurvive(@TempDir Path tmp) {
        Workspace ws = VmAvailability.workspace();
        List<Workload> workloads = new java.util.ArrayList<>(List.of(Workload.tcpLoop()));
        workloads.addAll(Workload.noProcedureDemos());
        Map<String, Object> report = null;
        for (int attempt = 1; attempt <= 2; attempt++) {
            report = new Trial(ws, System.out::println).run(new Trial.Options(tmp.resolve("trial-" + attempt), 1024,
                    System.getenv().getOrDefault("OTHERWORLD_ACCEL", "auto"), Fault.SYSRQ, workloads, false));
            System.out.println("trial attempt " + attempt + ": " + report.get("verdict"));
            if ("pass".equals(report.get("verdict"))) {
                break;
            }
        }
        for (Object o : (List<Object>) report.get("processes")) {
            Map<String, Object> p = (Map<String, Object>) o;
            assertEquals(true, p.get("resurrected"), p.get("name") + " resurrected: " + p.get("detail"));
            assertEquals("pass", p.get("state_check"), p.get("name") + ": " + p.get("detail"));
            if (String.valueOf(p.get("name")).endsWith("-noproc")) {
                assertEquals(false, p.get("crash_procedure"), p.get("name") + " has no crash procedure");
                List<Object> unrestored = (List<Object>) p.get("unrestored");
                assertTrue(unrestored.stream().allMatch(u -> "fpu".equals(((Map<String, Object>) u).get("kind"))),
                        p.get("name") + " unrestored: " + unrestored);
            }
        }
        assertEquals("pass", report.get("verdict"));
    }
}
