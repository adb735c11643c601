package org.otherworld.agent.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.otherworld.agent.json.Json;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.live.CaptureStore;

/**
 * Checks the process model against the live ground truth of every capture in the {@link CaptureStore}
 * (vmcore + groundtruth.json); skipped with a message when there is none.
 */
class RealCaptureTest {
    static List<Path> captures() {
        return CaptureStore.available();
    }

    @TestFactory
    List<DynamicTest> groundTruthEquality() {
        List<Path> caps = captures();
        assumeTrue(!caps.isEmpty(), "no capture under " + CaptureStore.root() + " (vm-test's GroundTruthIT or ./otherworld capture makes one)");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path c : caps) {
            tests.add(DynamicTest.dynamicTest(c.getFileName().toString(), () -> check(c)));
        }
        return tests;
    }

    static void check(Path capture) throws IOException {
        Map<?, ?> gt = (Map<?, ?>) Json.parse(Files.readString(capture.resolve("groundtruth.json")));
        List<?> expected = (List<?>) gt.get("processes");
        long t0 = System.nanoTime();
        try (DeadKernel k = DeadKernel.open(capture.resolve("vmcore"))) {
            long t1 = System.nanoTime();
            assertEquals(gt.get("kernel"), k.release());
            List<ProcessModel> models = new ProcessReader(k).readAll(ProcessReader.Options.all());
            long t2 = System.nanoTime();
            System.out.printf("%s: open %d ms, %d processes with pages in %d ms%n", capture.getFileName(),
                    (t1 - t0) / 1_000_000, models.size(), (t2 - t1) / 1_000_000);
            assertFalse(expected.isEmpty());
            for (ProcessModel m : models) {
                assertTrue(m.errors().isEmpty(), "pid " + m.pid() + ": " + m.error());
            }
            checkFpuProvenance(capture, k, models);
            List<String> fields = new ArrayList<>(GroundTruthCheck.SCALARS);
            fields.addAll(GroundTruthCheck.LISTS);
            List<String> diffs = GroundTruthCheck.compareAll(expected, models, fields);
            diffs.forEach(d -> System.out.println(capture.getFileName() + ": " + d));
            assertTrue(diffs.isEmpty(), diffs.size() + " differences, first: " + (diffs.isEmpty() ? "" : diffs.get(0)));
            for (Object o : expected) {
                Map<?, ?> p = (Map<?, ?>) o;
                System.out.printf("%s: pid %s %s: %d threads, %d vmas, %d fds, %d page runs equal%n",
                        capture.getFileName(), p.get("pid"), p.get("comm"), ((List<?>) p.get("threads")).size(),
                        ((List<?>) p.get("vmas")).size(), ((List<?>) p.get("fds")).size(),
                        ((List<?>) p.get("pages")).size());
            }
        }
    }

    /**
     * On a stock kernel (no fpu.crash_saved in BTF) no thread is saved_at_crash; a thread that was not
     * running is exact; a running one is approximate unless TIF_NEED_FPU_LOAD was set.
     */
    static void checkFpuProvenance(Path capture, DeadKernel k, List<ProcessModel> models) {
        boolean patched = k.types().hasMember("task_struct", FpuProvenance.CRASH_SAVED);
        int running = 0;
        int approximate = 0;
        for (ProcessModel m : models) {
            for (ThreadModel t : m.threads()) {
                FpuProvenance f = t.fpuProvenance();
                String who = "pid " + m.pid() + " tid " + t.tid();
                assertTrue(f != null, who + ": no FPU state");
                if (!patched) {
                    assertTrue(f != FpuProvenance.SAVED_AT_CRASH, who + ": saved_at_crash on a stock kernel");
                }
                boolean needLoad = (t.tifFlags() & (1L << ThreadReader.TIF_NEED_FPU_LOAD)) != 0;
                if (!t.runningAtCrash() || needLoad) {
                    assertTrue(f == FpuProvenance.EXACT || f == FpuProvenance.SAVED_AT_CRASH, who + ": " + f);
                } else if (!patched) {
                    assertEquals(FpuProvenance.APPROXIMATE, f, who);
                }
                running += t.runningAtCrash() ? 1 : 0;
                approximate += f == FpuProvenance.APPROXIMATE ? 1 : 0;
            }
        }
        System.out.printf("%s: %s kernel, %d user threads running at the crash, %d with approximate FPU%n",
                capture.getFileName(), patched ? "patched" : "stock", running, approximate);
    }
}
