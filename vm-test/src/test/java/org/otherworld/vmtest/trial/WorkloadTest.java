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
        for (Workload w : java.util.stream.Stream.concat(Workload.demos().stream(), Workload.sdkDemos().stream()).toList()) {
            String s = w.startCommand();
            assertTrue(s.contains("setsid sh -c 'echo $$ > .ow-pid;"), s);
            assertTrue(s.endsWith("&)"), s);
            assertEquals(w.dir() + "/.ow-pid", w.pidFile());
        }
        assertEquals(List.of("shell-loop", "mtworker", "jvm-counter"), Workload.demos().stream().map(Workload::name).toList());
    }

    @Test
    void checksGetThePidRecordedBeforeTheCrashNotTheFileWrittenThen() {
        for (Workload w : Workload.demos()) {
            assertTrue(!w.check().contains(".ow-pid"), w.name() + " reads .ow-pid after the crash: " + w.check());
        }
        Workload mt = Workload.demos().get(1);
        assertEquals("cd /data/work/mtworker && PRE='' && export OW_PID=170 && nsenter -t $OW_PID -i "
                + "/opt/ow/bin/mtworker check /data/work/mtworker", mt.checkCommand(170, ""));
        assertEquals("cd /data/work/shell-loop && PRE='it'\\''s' && export OW_PID=7 && /opt/ow/guest/counter-check.sh count $PRE",
                Workload.demos().get(0).checkCommand(7, "it's"));
    }

    @Test
    void loopbackAndNoProcedureWorkloadsAreBuiltIns() {
        Workload loop = Workload.builtin("tcploop");
        assertEquals(List.of("pipeline", "unixpair", "tcploop"), Workload.channelDemos().stream().map(Workload::name).toList());
        assertEquals("/opt/ow/bin/tcploop server /data/work/tcploop & /opt/ow/bin/tcploop client /data/work/tcploop",
                loop.command());
        Workload kv = Workload.builtin("kvstore-noproc");
        // the server is the session leader (exec), its client a child in the same tree
        assertTrue(kv.command().startsWith(Workload.DEMO + "kvstore-hold 127.0.0.1:7071 /data/work/kvstore-noproc & exec "
                + Workload.DEMO + "kvstore 7071 /data/work/kvstore-noproc --no-crash-procedure"), kv.command());
        assertEquals("cd /data/work/kvstore-noproc && PRE='requests 9 port 4' && export OW_PID=5 && " + Workload.DEMO
                + "hold-check kvstore 127.0.0.1:7071 /data/work/kvstore-noproc \"$PRE\"", kv.checkCommand(5, "requests 9 port 4"));
        Workload sessions = Workload.builtin("sessions-noproc");
        assertTrue(sessions.command().endsWith("sessions 8081 /data/work/sessions-noproc --no-crash-procedure"), sessions.command());
        assertEquals("cat progress", sessions.probe());
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

    @Test
    void sessionMembersAreParsedOldestFirst() {
        List<WorkloadRunner.Member> m = WorkloadRunner.parseMembers("201 900 sleep 0.2 \n166 540 sh -c echo $$ > .ow-pid\n"
                + "garbage line\n170 540 /opt/ow/bin/mtworker run /data/work/mtworker\n");
        assertEquals(List.of(166, 170, 201), m.stream().map(WorkloadRunner.Member::pid).toList());
        assertEquals("sleep 0.2", m.get(2).cmdline());
    }
}
