package org.otherworld.vmtest.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutcomeClassifierTest {
    static final String BOOTED = "OW-MAIN booted kernel=6.1.0-56-cloud-amd64 boot=cold uptime=4.86\n";
    static final String OOPS = BOOTED + "[   11.456293] ow_fault: firing 'null' seed=3 at hit 4 of vfs_write+0x4/0x3f0 in sh[163]\n"
            + "[   11.457092] BUG: kernel NULL pointer dereference, address: 0000000000000040\n"
            + "[   11.457509] Oops: 0002 [#1] PREEMPT SMP NOPTI\n"
            + "[   11.458278] RIP: 0010:vfs_write+0x13/0x3f0\n";
    static final String CRASH = OOPS + "[    0.000000] Command line: elfcorehdr=0x2f000000 console=ttyS0\nOW-CRASH kernel-up uptime=2.43\n";

    /** A trial report as Trial writes it, with the given pieces. */
    static Map<String, Object> report(List<String> events, List<String> missing, List<String> notes, String verdict,
                                      List<Map<String, Object>> procs) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("kernel", "6.1.0-56-cloud-amd64");
        r.put("fault", "null seed=3");
        Map<String, Object> tl = new LinkedHashMap<>();
        long t = 0;
        for (String e : events) {
            tl.put(e, t += 1000);
        }
        r.put("timeline_ms", tl);
        r.put("processes", procs);
        r.put("missing_phases", missing);
        r.put("notes", notes);
        r.put("agent_report", null);
        r.put("verdict", verdict);
        return r;
    }

    static Map<String, Object> proc(String name, boolean resurrected, String check, String detail) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", name);
        p.put("resurrected", resurrected);
        p.put("state_check", check);
        p.put("detail", detail);
        return p;
    }

    static final List<String> ALL = List.of("boot-start", "booted", "crash", "crash-kernel", "agent-start", "agent-exit",
            "main-kernel-2", "restore-start", "restore-exit");

    @Test
    void noCrashEventIsInvalid() {
        Classification c = OutcomeClassifier.classify(report(List.of("boot-start"), List.of(),
                List.of("trial aborted: the guest could not arm the crash kernel"), "fail", List.of()), BOOTED);
        assertEquals(Outcome.INVALID, c.outcome());
        assertEquals("trial aborted: the guest could not arm the crash kernel", c.cause());
        assertEquals(Outcome.INVALID, OutcomeClassifier.classify(null, "").outcome());
    }

    @Test
    void noPanicAndHealthyWorkloadsIsNotManifested() {
        Map<String, Object> r = report(List.of("boot-start", "booted", "crash"), List.of(),
                List.of("the fault did not manifest: no panic, oops or lockup report within 60 s"), "fail", List.of());
        r.put("no_panic_check", Map.of("responsive", true, "workloads_ok", true, "workloads", List.of()));
        Classification c = OutcomeClassifier.classify(r, BOOTED + "[  3.0] ow_fault: armed 'stack' seed=1\n");
        assertEquals(Outcome.NOT_MANIFESTED, c.outcome());
        assertNull(c.cause());
        assertNull(c.symptom());
    }

    @Test
    void noPanicButBrokenWorkloadIsSilentFailure() {
        Map<String, Object> r = report(List.of("boot-start", "booted", "crash"), List.of(), List.of(), "fail", List.of());
        r.put("no_panic_check", Map.of("responsive", true, "workloads_ok", false, "workloads",
                List.of(Map.of("name", "shell-loop", "state_check", "pass", "detail", "PASS"),
                        Map.of("name", "mtworker", "state_check", "fail", "detail", "FAIL log truncated\nmore"))));
        Classification c = OutcomeClassifier.classify(r, BOOTED);
        assertEquals(Outcome.SILENT_FAILURE, c.outcome());
        assertEquals("workload mtworker broken without a panic: FAIL log truncated", c.cause());

        r.put("no_panic_check", Map.of("responsive", false, "workloads_ok", false, "workloads", List.of()));
        assertEquals("the guest stopped answering on its console without a panic",
                OutcomeClassifier.classify(r, BOOTED).cause());
    }

    @Test
    void panicWithoutCrashKernelIsCrashKernelNoBoot() {
        Classification c = OutcomeClassifier.classify(report(List.of("boot-start", "booted", "crash"), List.of(),
                List.of("the crash kernel did not start within 180 s"), "fail", List.of()), OOPS);
        assertEquals(Outcome.CRASH_KERNEL_NO_BOOT, c.outcome());
        assertEquals("BUG: kernel NULL pointer dereference, address: X [RIP vfs_write]", c.symptom());
        assertTrue(c.cause().startsWith("the kernel panicked but the crash kernel did not report in"), c.cause());
    }

    @Test
    void todaysTrialIsResurrectionFailedInExtraction() {
        Map<String, Object> r = report(ALL, List.of("extraction", "restore"),
                List.of("the resurrector agent exited with code 3: otherworld resurrect: image writing (issue 4) is not implemented yet",
                        "restore exited with code 3"), "fail",
                List.of(proc("shell-loop", false, "fail", "no process with pid 167 running sh")));
        r.put("agent_report", Map.of("status", "incomplete", "missing", List.of("extraction", "images", "file-buffer flush")));
        Classification c = OutcomeClassifier.classify(r, CRASH);
        assertEquals(Outcome.RESURRECTION_FAILED, c.outcome());
        assertEquals("extraction", c.phase());
        assertEquals("resurrection failed (phase extraction)", c.describe());
        assertTrue(c.cause().startsWith("the resurrector agent exited with code 3"), c.cause());
    }

    @Test
    void phasesAreNamed() {
        Map<String, Object> images = report(ALL, List.of("extraction"), List.of("the resurrector agent exited with code 4"), "fail", List.of());
        images.put("agent_report", Map.of("status", "incomplete", "missing", List.of("images")));
        assertEquals("images", OutcomeClassifier.classify(images, CRASH).phase());

        Map<String, Object> handover = report(List.of("boot-start", "booted", "crash", "crash-kernel", "agent-start", "agent-exit"),
                List.of("handover"), List.of("the fresh main kernel did not start after the hand-over"), "fail", List.of());
        Classification h = OutcomeClassifier.classify(handover, CRASH);
        assertEquals("handover", h.phase());
        assertEquals("the fresh main kernel did not start after the hand-over", h.cause());

        Map<String, Object> restore = report(ALL, List.of("restore"), List.of("restore exited with code 2"), "fail",
                List.of(proc("mtworker", false, "fail", "no process")));
        assertEquals("restore", OutcomeClassifier.classify(restore, CRASH).phase());

        // the trial stopped while the agent ran: no agent-exit event, nothing in missing_phases
        Map<String, Object> cut = report(List.of("boot-start", "booted", "crash", "crash-kernel", "agent-start"), List.of(),
                List.of("trial aborted: timed out after 600 s waiting for agent exit"), "fail", List.of());
        assertEquals("extraction", OutcomeClassifier.classify(cut, CRASH).phase());
    }

    @Test
    void agentReportNamesThePhaseOfAWorkloadNotRunning() {
        Map<String, Object> shell = proc("shell-loop", false, "fail", "no process with pid 166 running sh");
        shell.put("pid", 166L);
        Map<String, Object> r = report(ALL, List.of(), List.of(), "fail", List.of(shell));
        r.put("agent_report", Map.of("status", "complete", "processes", List.of(
                Map.of("pid", 1L, "resurrect", false, "reason", "system process (pid 1)"),
                Map.of("pid", 166L, "resurrect", false, "reason", "faulty process (current on the panicking CPU) without a crash procedure"))));
        Classification c = OutcomeClassifier.classify(r, CRASH);
        assertEquals(Outcome.FAULTY_LOST, c.outcome());
        assertEquals("workload shell-loop (extraction): the agent did not resurrect it: faulty process (current on the panicking CPU)"
                + " without a crash procedure", c.cause());
        r.put("agent_report", Map.of("status", "complete", "processes", List.of(
                Map.of("pid", 166L, "resurrect", false, "reason", "cannot be rebuilt: a deleted file is mapped"))));
        assertEquals("extraction", OutcomeClassifier.classify(r, CRASH).phase());
        assertEquals(Outcome.RESURRECTION_FAILED, OutcomeClassifier.classify(r, CRASH).outcome());

        Map<String, Object> failed = new LinkedHashMap<>(Map.of("pid", 166L, "resurrect", true, "reason", "ok"));
        failed.put("error", "cannot write pages-1.img: disk full");
        r.put("agent_report", Map.of("status", "complete", "processes", List.of(failed)));
        assertEquals("images", OutcomeClassifier.classify(r, CRASH).phase());

        r.put("agent_report", Map.of("status", "complete", "processes", List.of(Map.of("pid", 166L, "resurrect", true, "reason", "ok")),
                "trees", List.of(Map.of("root", 166L, "processes", List.of(166L, 1058L)))));
        Classification restore = OutcomeClassifier.classify(r, CRASH
                + "restore: set 166: criu restore exited with 1: (01.012817)    166: Error (criu/config.c:441): Use the --deprecated option."
                + " | (01.013526) Error (criu/cr-restore.c:2537): Restoring FAILED.\n");
        assertEquals("restore", restore.phase());
        assertEquals("workload shell-loop (restore): criu restore exited with 1: Use the --deprecated option.", restore.cause());

        // the earliest phase wins: one workload declined by the agent, another failing in restore
        Map<String, Object> mt = proc("mtworker", false, "fail", "no process");
        mt.put("pid", 170L);
        Map<String, Object> two = report(ALL, List.of("restore"), List.of("restore exited with code 2"), "fail", List.of(shell, mt));
        two.put("agent_report", Map.of("processes", List.of(Map.of("pid", 166L, "resurrect", true, "reason", "ok"),
                Map.of("pid", 170L, "resurrect", false, "reason", "cannot be rebuilt: SysV shared memory is not restored"))));
        Classification c2 = OutcomeClassifier.classify(two, CRASH);
        assertEquals("extraction", c2.phase());
        assertEquals("workload mtworker (extraction): the agent did not resurrect it: cannot be rebuilt: SysV shared memory is not restored",
                c2.cause());
        assertEquals(2, OutcomeClassifier.workloadFailures(two, CRASH).size());
    }

    static Map<String, Object> FAULTY_AGENT(long pid) {
        return Map.of("status", "complete", "processes", List.of(Map.of("pid", pid, "resurrect", false, "reason",
                "faulty process (current on the panicking CPU) without a crash procedure")));
    }

    @Test
    void losingOnlyTheFaultyProcessIsItsOwnClassCountedAsSuccess() {
        Map<String, Object> jvm = proc("jvm-counter", false, "fail", "no process with pid 175 running java");
        jvm.put("pid", 175L);
        Map<String, Object> r = report(ALL, List.of(), List.of(), "fail",
                List.of(proc("shell-loop", true, "pass", "PASS counter"), jvm));
        r.put("dirty_data_check", "pass");
        r.put("agent_report", FAULTY_AGENT(175L));
        Classification c = OutcomeClassifier.classify(r, CRASH);
        assertEquals(Outcome.FAULTY_LOST, c.outcome());
        assertNull(c.phase());
        assertEquals("faulty process lost by design", c.describe());
        assertTrue(c.outcome().success());
        assertTrue(c.outcome().crashKernelBooted());
        assertTrue(c.cause().startsWith("workload jvm-counter (extraction)"), c.cause());

        // an innocent workload failing its check as well: that decides (data corruption), not the faulty one
        Map<String, Object> r2 = report(ALL, List.of(), List.of(), "fail",
                List.of(proc("shell-loop", true, "fail", "FAIL counter went back"), jvm));
        r2.put("agent_report", FAULTY_AGENT(175L));
        Classification c2 = OutcomeClassifier.classify(r2, CRASH);
        assertEquals(Outcome.DATA_CORRUPTION, c2.outcome());
        assertEquals("workload shell-loop (check): state check failed: FAIL counter went back", c2.cause());

        // an innocent workload not restored: resurrection failed in restore
        Map<String, Object> sh = proc("shell-loop", false, "fail", "no process with pid 167 running sh");
        sh.put("pid", 167L);
        Map<String, Object> r3 = report(ALL, List.of("restore"), List.of("restore exited with code 1"), "fail", List.of(sh, jvm));
        r3.put("agent_report", Map.of("processes", List.of(Map.of("pid", 167L, "resurrect", true, "reason", "ok"),
                Map.of("pid", 175L, "resurrect", false, "reason", "faulty process (current on the panicking CPU) without a crash procedure"))));
        Classification c3 = OutcomeClassifier.classify(r3, CRASH);
        assertEquals(Outcome.RESURRECTION_FAILED, c3.outcome());
        assertEquals("restore", c3.phase());
        assertEquals("restore exited with code 1", c3.cause());
        assertTrue(!c3.outcome().success());

        // a failed hand-over is a failure even if the only lost workload was the faulty one
        Map<String, Object> r4 = report(List.of("boot-start", "booted", "crash", "crash-kernel", "agent-start", "agent-exit"),
                List.of("handover"), List.of("the fresh main kernel did not start after the hand-over"), "fail", List.of(jvm));
        r4.put("agent_report", FAULTY_AGENT(175L));
        assertEquals(Outcome.RESURRECTION_FAILED, OutcomeClassifier.classify(r4, CRASH).outcome());
    }

    @Test
    void resurrectedButFailingCheckIsDataCorruption() {
        Map<String, Object> r = report(ALL, List.of(), List.of(), "fail",
                List.of(proc("shell-loop", true, "pass", "PASS counter"), proc("jvm-counter", true, "fail", "FAIL counter went back: 3 < 9")));
        Classification c = OutcomeClassifier.classify(r, CRASH);
        assertEquals(Outcome.DATA_CORRUPTION, c.outcome());
        assertEquals("workload jvm-counter (check): state check failed: FAIL counter went back: 3 < 9", c.cause());
    }

    @Test
    void notRunningAfterHandoverIsRestoreFailure() {
        Map<String, Object> r = report(ALL, List.of(), List.of(), "fail",
                List.of(proc("shell-loop", false, "fail", "no process with pid 167 running sh")));
        Classification c = OutcomeClassifier.classify(r, CRASH);
        assertEquals(Outcome.RESURRECTION_FAILED, c.outcome());
        assertEquals("restore", c.phase());
    }

    @Test
    void passIsSuccess() {
        Map<String, Object> r = report(ALL, List.of(), List.of(), "pass", List.of(proc("shell-loop", true, "pass", "PASS")));
        Classification c = OutcomeClassifier.classify(r, CRASH);
        assertEquals(Outcome.SUCCESS, c.outcome());
        assertTrue(c.outcome().crashKernelBooted());
        assertEquals("successful resurrection", c.describe());
    }

    @Test
    void symptomsAreMaskedAndFoundAfterBoot() {
        assertEquals("watchdog: BUG: soft lockup - CPU#N stuck for Ns! [sh:N]",
                OutcomeClassifier.symptom(BOOTED + "[   40.1] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [sh:163]\n"));
        assertEquals("general protection fault, probably for non-canonical address X: N [#N] PREEMPT SMP NOPTI",
                OutcomeClassifier.symptom(BOOTED + "[ 9.9] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI\n"));
        assertEquals("rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
                OutcomeClassifier.symptom(BOOTED + "[   37.745122] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n"));
        assertEquals("watchdog: BUG: soft lockup - CPU#N stuck for Ns! [sh:N]", OutcomeClassifier.symptom(BOOTED
                + "[ 37.7] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n[ 68.5] watchdog: BUG: soft lockup - CPU#1 stuck for 48s! [sh:9]\n"));
        // an error line before the guest booted is not the fault's
        assertNull(OutcomeClassifier.symptom("[ 0.1] WARNING: early firmware quirk\n" + BOOTED));
    }
}
