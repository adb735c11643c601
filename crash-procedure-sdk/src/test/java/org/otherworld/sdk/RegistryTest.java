package org.otherworld.sdk;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryTest {
    @TempDir
    Path dir;
    final FakeNativeOps ops = new FakeNativeOps();
    ProcessIdentity identity = new ProcessIdentity(4242, 777, "/usr/bin/java",
            List.of("java", "-cp", "a\tb", "Main"));
    final Clock clock = Clock.fixed(Instant.parse("2024-05-01T10:00:00Z"), ZoneOffset.UTC);

    Registry registry(Duration timeout) {
        SdkConfig cfg = new SdkConfig(dir, timeout, false, Duration.ofMillis(50), true);
        return new Registry(cfg, ops, () -> identity, clock);
    }

    static final ResurrectionReport REPORT = new ResurrectionReport(4242, Instant.parse("2024-05-01T09:59:00Z"),
            Duration.ofSeconds(60), "panic", false,
            List.of(new UnrestoredResource(5, "tcp", "tcp 10.0.0.1:5432 ESTABLISHED", "sockets are not restored")));

    private List<String> dirListing() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("registrations"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void registerWritesRecordWithDocumentedFields() throws IOException {
        Registry r = registry(Duration.ofSeconds(1));
        r.setDeliveryMode("signal");
        r.register(rep -> Decision.CONTINUE, 0);
        Path rec = dir.resolve("registrations/4242-777.reg");
        assertEquals(rec, r.recordPath());
        List<String> lines = Files.readAllLines(rec);
        assertEquals(List.of("# otherworld registration record", "format=1", "pid=4242", "starttime=777",
                "policy=RESURRECT_WITH_PROCEDURE", "policy_code=1", "procedures=1", "exe=/usr/bin/java",
                "cmdline=java\t-cp\ta\\tb\tMain", "delivery=signal", "signal=PWR", "signal_number=30",
                "kernel=none", "updated=2024-05-01T10:00:00Z"), lines);
        assertEquals(List.of("4242-777.reg"), dirListing(), "no temporary file may remain");
    }

    @Test
    void recordIsRewrittenAndRemovedWithLastProcedureUnderDefaultPolicy() throws IOException {
        Registry r = registry(Duration.ofSeconds(1));
        CrashProcedure a = rep -> Decision.CONTINUE;
        CrashProcedure b = rep -> Decision.CONTINUE;
        r.register(a, 0);
        r.register(b, 0);
        Path rec = r.recordPath();
        assertTrue(Files.readAllLines(rec).contains("procedures=2"));
        assertTrue(r.unregister(a));
        assertTrue(Files.readAllLines(rec).contains("procedures=1"));
        assertFalse(r.unregister(a));
        assertTrue(r.unregister(b));
        assertFalse(Files.exists(rec));
        assertEquals(List.of(), dirListing());
    }

    @Test
    void nonDefaultPolicyKeepsRecordWithoutProcedures() throws IOException {
        Registry r = registry(Duration.ofSeconds(1));
        r.setPolicy(ResurrectionPolicy.NEVER_RESURRECT);
        List<String> lines = Files.readAllLines(r.recordPath());
        assertTrue(lines.contains("policy=NEVER_RESURRECT"));
        assertTrue(lines.contains("policy_code=2"));
        assertTrue(lines.contains("procedures=0"));
        r.setPolicy(ResurrectionPolicy.RESURRECT_WITH_PROCEDURE);
        assertFalse(Files.exists(r.recordPath()));
    }

    @Test
    void stockKernelEinvalIsRememberedAndTheRecordIsTheRegistration() throws IOException {
        Registry r = registry(Duration.ofSeconds(1));
        assertEquals("none yet (nothing registered)", r.kernelInterfaceStatus());
        CrashProcedure p = rep -> Decision.CONTINUE;
        r.register(p, 0);
        assertFalse(r.kernelInterfaceActive());
        assertEquals(22, r.lastPrctlResult());
        assertEquals("record only: stock kernel (prctl EINVAL)", r.kernelInterfaceStatus());
        assertTrue(Files.readAllLines(r.recordPath()).contains("kernel=none"));
        assertTrue(Files.readAllLines(r.recordPath()).contains("procedures=1"));

        // not asked again: the kernel will not learn the option while this process lives
        r.setPolicy(ResurrectionPolicy.RESURRECT_EVEN_IF_PARTIAL);
        r.unregister(p);
        assertEquals(1, ops.prctlCalls.size());
        assertTrue(Files.readAllLines(r.recordPath()).contains("policy_code=3"));

        // restored (new start time): the fresh kernel is asked again
        identity = new ProcessIdentity(4242, 999, identity.exe(), identity.cmdline());
        r.refreshIdentity();
        assertEquals(2, ops.prctlCalls.size());
        assertEquals(3, ops.prctlCalls.get(1)[0]);
    }

    @Test
    void patchedKernelHoldsPolicyAndCountAndTheRecordIsStillWritten() throws IOException {
        ops.prctlErrno = 0;
        Registry r = registry(Duration.ofSeconds(1));
        CrashProcedure p = rep -> Decision.CONTINUE;
        CrashProcedure q = rep -> Decision.SAVE_AND_RESTART;
        r.register(p, 0);
        r.register(q, 5);
        assertTrue(r.kernelInterfaceActive());
        assertEquals("prctl (patched kernel) + record", r.kernelInterfaceStatus());
        assertEquals(1, ops.kernelPolicy);
        assertEquals(2, ops.kernelCount);
        assertTrue(Files.readAllLines(r.recordPath()).contains("kernel=prctl"));

        r.setPolicy(ResurrectionPolicy.RESURRECT_EVEN_IF_PARTIAL);
        assertEquals(3, ops.kernelPolicy);
        r.setPolicy(ResurrectionPolicy.NEVER_RESURRECT);
        assertEquals(2, ops.kernelPolicy);
        assertEquals(2, ops.kernelCount);

        r.setPolicy(ResurrectionPolicy.RESURRECT_WITH_PROCEDURE);
        r.unregister(p);
        r.unregister(q);
        int[] last = ops.prctlCalls.get(ops.prctlCalls.size() - 1);
        assertEquals(0, last[0], "unregistering tells the kernel policy 0");
        assertEquals(0, last[1]);
        assertEquals(0, ops.kernelPolicy);
        assertFalse(Files.exists(r.recordPath()));
    }

    @Test
    void disabledOrFailingPrctlLeavesTheRecordOnly() throws IOException {
        Registry off = new Registry(new SdkConfig(dir, Duration.ofSeconds(1), false, Duration.ofMillis(50), false),
                ops, () -> identity, clock);
        off.register(rep -> Decision.CONTINUE, 0);
        assertTrue(ops.prctlCalls.isEmpty());
        assertTrue(off.kernelInterfaceStatus().startsWith("record only: prctl disabled"), off.kernelInterfaceStatus());

        ops.prctlErrno = 1; // EPERM from some filter: not a stock kernel, so asked again next time
        Registry r = registry(Duration.ofSeconds(1));
        r.register(rep -> Decision.CONTINUE, 0);
        r.setPolicy(ResurrectionPolicy.RESURRECT_EVEN_IF_PARTIAL);
        assertEquals(2, ops.prctlCalls.size());
        assertEquals("record only: prctl failed (errno 1)", r.kernelInterfaceStatus());
    }

    @Test
    void failedRecordWriteThrowsAndRollsBack() throws IOException {
        Files.writeString(dir.resolve("registrations"), "not a directory");
        Registry r = registry(Duration.ofSeconds(1));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> r.register(rep -> Decision.CONTINUE, 0));
        assertTrue(e.getMessage().contains("registrations"), e.getMessage());
        assertEquals(0, r.procedureCount());
    }

    @Test
    void proceduresRunByDescendingPriorityThenRegistrationOrder() {
        Registry r = registry(Duration.ofSeconds(2));
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        r.register(named(ran, "p1", Decision.CONTINUE), 0);
        r.register(named(ran, "p2", Decision.CONTINUE), 10);
        r.register(named(ran, "p3", Decision.CONTINUE), 0);
        r.register(named(ran, "p4", Decision.CONTINUE), -5);
        r.register(named(ran, "p5", Decision.CONTINUE), 10);
        Registry.Outcome out = r.runProcedures(REPORT);
        assertEquals(List.of("p2", "p5", "p1", "p3", "p4"), ran);
        assertEquals(Decision.CONTINUE, out.decision());
        assertEquals(5, out.perProcedure().size());
    }

    private static CrashProcedure named(List<String> ran, String name, Decision d) {
        return rep -> {
            ran.add(name);
            return d;
        };
    }

    @Test
    void anySaveAndRestartWinsAndAllProceduresStillRun() {
        Registry r = registry(Duration.ofSeconds(2));
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        r.register(named(ran, "a", Decision.CONTINUE), 0);
        r.register(named(ran, "b", Decision.SAVE_AND_RESTART), 0);
        r.register(named(ran, "c", Decision.CONTINUE), 0);
        Registry.Outcome out = r.runProcedures(REPORT);
        assertEquals(Decision.SAVE_AND_RESTART, out.decision());
        assertEquals(List.of("a", "b", "c"), ran);
        assertEquals(List.of(Decision.CONTINUE, Decision.SAVE_AND_RESTART, Decision.CONTINUE), out.perProcedure());
    }

    @Test
    void exceptionNullAndTimeoutCountAsSaveAndRestart() {
        Registry r = registry(Duration.ofMillis(300));
        r.register(rep -> {
            throw new IllegalStateException("boom");
        }, 3);
        r.register(rep -> null, 2);
        r.register(rep -> {
            Thread.sleep(10_000);
            return Decision.CONTINUE;
        }, 1);
        r.register(rep -> Decision.CONTINUE, 0);
        long t0 = System.nanoTime();
        Registry.Outcome out = r.runProcedures(REPORT);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(List.of(Decision.SAVE_AND_RESTART, Decision.SAVE_AND_RESTART, Decision.SAVE_AND_RESTART,
                Decision.CONTINUE), out.perProcedure());
        assertEquals(Decision.SAVE_AND_RESTART, out.decision());
        assertTrue(ms < 5000, "timeout must bound the run, took " + ms + " ms");
    }

    @Test
    void neverResurrectRunsNoProcedure() {
        Registry r = registry(Duration.ofSeconds(1));
        List<String> ran = new ArrayList<>();
        r.register(named(ran, "x", Decision.SAVE_AND_RESTART), 0);
        r.setPolicy(ResurrectionPolicy.NEVER_RESURRECT);
        Registry.Outcome out = r.runProcedures(REPORT);
        assertEquals(Decision.CONTINUE, out.decision());
        assertFalse(out.procedureRan());
        assertEquals(List.of(), ran);
    }

    @Test
    void evenIfPartialStillRunsProcedures() throws IOException {
        Registry r = registry(Duration.ofSeconds(1));
        List<String> ran = new ArrayList<>();
        r.register(named(ran, "x", Decision.SAVE_AND_RESTART), 0);
        r.setPolicy(ResurrectionPolicy.RESURRECT_EVEN_IF_PARTIAL);
        assertTrue(Files.readAllLines(r.recordPath()).contains("policy=RESURRECT_EVEN_IF_PARTIAL"));
        assertEquals(Decision.SAVE_AND_RESTART, r.runProcedures(REPORT).decision());
        assertEquals(List.of("x"), ran);
    }

    @Test
    void continueDeliveryArchivesReportWithoutSavingOrRestarting() throws IOException {
        Registry r = registry(Duration.ofSeconds(1));
        AtomicReference<ResurrectionReport> seen = new AtomicReference<>();
        List<String> saved = new ArrayList<>();
        r.register(rep -> {
            seen.set(rep);
            return Decision.CONTINUE;
        }, 0);
        r.addSaveCallback(rep -> saved.add("s"));
        r.setRestarter((p, rep) -> saved.add("restart"));
        Path report = writeReport();
        Registry.Outcome out = r.deliver(report);
        assertEquals(Decision.CONTINUE, out.decision());
        assertEquals(REPORT, seen.get());
        assertFalse(Files.exists(report));
        assertTrue(Files.exists(report.resolveSibling("4242.report.done")));
        assertEquals(List.of(), saved);
    }

    @Test
    void saveAndRestartRunsSaveCallbacksInOrderThenRestarter() throws IOException {
        Registry r = registry(Duration.ofSeconds(1));
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        r.register(rep -> Decision.SAVE_AND_RESTART, 0);
        r.addSaveCallback(rep -> calls.add("save1"));
        r.addSaveCallback(rep -> {
            throw new IOException("disk full");
        });
        r.addSaveCallback(rep -> calls.add("save3"));
        AtomicReference<Path> restartedWith = new AtomicReference<>();
        r.setRestarter((p, rep) -> {
            calls.add("restart");
            restartedWith.set(p);
        });
        Registry.Outcome out = r.deliver(writeReport());
        assertEquals(Decision.SAVE_AND_RESTART, out.decision());
        assertEquals(List.of("save1", "save3", "restart"), calls);
        assertEquals(dir.resolve("reports/4242.report.done"), restartedWith.get());
        assertEquals(REPORT, CrashProcedures.loadRestartReport(restartedWith.get().toString()).orElseThrow());
    }

    @Test
    void unreadableReportIsSetAside() throws IOException {
        Registry r = registry(Duration.ofSeconds(1));
        Path report = dir.resolve("reports/4242.report");
        Files.createDirectories(report.getParent());
        Files.writeString(report, "format=1\npid=oops\n");
        assertNull(r.deliver(report));
        assertTrue(Files.exists(dir.resolve("reports/4242.report.bad")));
    }

    @Test
    void refreshIdentityMovesRecordToNewStartTime() throws IOException {
        Registry r = registry(Duration.ofSeconds(1));
        r.register(rep -> Decision.CONTINUE, 0);
        identity = new ProcessIdentity(4242, 999, "/usr/bin/java", List.of("java"));
        r.refreshIdentity();
        assertEquals(List.of("4242-999.reg"), dirListing());
        assertTrue(Files.readAllLines(r.recordPath()).contains("starttime=999"));
    }

    @Test
    void pollingDeliveryPicksUpReport() throws Exception {
        Registry r = registry(Duration.ofSeconds(1));
        java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
        r.register(rep -> {
            ran.countDown();
            return Decision.CONTINUE;
        }, 0);
        ReportDelivery d = new ReportDelivery(r, 4242);
        d.start();
        try {
            assertFalse(d.signalInstalled());
            assertEquals("poll", r.deliveryMode());
            writeReport();
            assertTrue(ran.await(5, java.util.concurrent.TimeUnit.SECONDS), "poll must deliver the report");
        } finally {
            d.stop();
        }
    }

    private Path writeReport() throws IOException {
        Path report = dir.resolve("reports/4242.report");
        DurableFiles.writeAtomically(report, ReportFormat.write(REPORT));
        return report;
    }
}
