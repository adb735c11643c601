package org.otherworld.vmtest.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.trial.Fault;
import org.otherworld.vmtest.trial.Trial;
import org.otherworld.vmtest.trial.Workload;

/**
 * Kernel objects beyond files and memory (issue 10), after a sysrq panic: the kvstore/sessions servers
 * without a crash procedure, each holding a TCP connection from a client in its tree (loopback TCP
 * restored by TCP repair), {@code evfds} (eventfd, timerfd, signalfd, inotify under one epoll with data
 * cookies) and {@code ptyhold} (a pty pair with raw termios, a window size, unread bytes both ways and the
 * slave as the controlling terminal of the child's session). Every workload must be resurrected with its
 * pid and pass its own check (nothing lost, duplicated or reordered; the same connection still working),
 * with nothing unrestored (an advisory {@code fpu} entry of a thread that was on a CPU is allowed on a
 * stock kernel). {@code tcploop} (127.0.0.1 and ::1) is in the default trial (TrialIT). Like TrialIT, one
 * failed trial is run again once.
 */
class ChannelsTrialIT {
    @Test
    @SuppressWarnings("unchecked")
    void serversWithoutProcedureEventFilesAndTerminalsSurvive() {
        Path tmp = TrialEvidence.dir("channels-trial-it");
        Workspace ws = VmAvailability.workspace();
        List<Workload> workloads = new java.util.ArrayList<>(Workload.noProcedureDemos());
        workloads.add(Workload.evfds());
        workloads.add(Workload.terminal());
        Map<String, Object> report = null;
        for (int attempt = 1; attempt <= 2; attempt++) {
            report = new Trial(ws, System.out::println).run(new Trial.Options(tmp.resolve("trial-" + attempt), 1024,
                    System.getenv().getOrDefault("OTHERWORLD_ACCEL", "auto"), Fault.SYSRQ, workloads, false));
            System.out.println("trial attempt " + attempt + ": " + report.get("verdict"));
            TrialEvidence.printFailures(tmp.resolve("trial-" + attempt), report);
            if ("pass".equals(report.get("verdict"))) {
                break;
            }
        }
        for (Object o : (List<Object>) report.get("processes")) {
            Map<String, Object> p = (Map<String, Object>) o;
            assertEquals(true, p.get("resurrected"), p.get("name") + " resurrected: " + p.get("detail"));
            assertEquals("pass", p.get("state_check"), p.get("name") + ": " + p.get("detail"));
            assertEquals(false, p.get("crash_procedure"), p.get("name") + " has no crash procedure");
            List<Object> unrestored = (List<Object>) p.get("unrestored");
            assertTrue(unrestored.stream().allMatch(u -> "fpu".equals(((Map<String, Object>) u).get("kind"))),
                    p.get("name") + " unrestored: " + unrestored);
        }
        assertEquals("pass", report.get("verdict"));
    }
}
