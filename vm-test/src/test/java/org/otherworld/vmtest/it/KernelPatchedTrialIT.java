package org.otherworld.vmtest.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.guest.GuestKernel;
import org.otherworld.vmtest.guest.PatchedKernel;
import org.otherworld.vmtest.trial.Fault;
import org.otherworld.vmtest.trial.Trial;
import org.otherworld.vmtest.trial.Workload;

/**
 * Kernel patch 0001 in a real trial: the {@code fpu} workload (one thread per guest CPU spinning with
 * a pattern in ymm0-15, no system calls) through a sysrq panic, the agent and the hand-over.
 * <ul>
 * <li>patched kernel (main, crash and hand-over kernel from {@code kernel-patches/build.sh --full}):
 * every thread comes back with its registers; the agent lists no {@code fpu} unrestored resource;</li>
 * <li>stock kernel: the sysrq runs in the console shell on one CPU, so a spinner is current on the other
 * CPU at the panic and its vector registers are live there, not in memory: it comes back with stale
 * ones (its pattern breaks), and the agent must have listed that thread as an {@code fpu} unrestored
 * resource (or not resurrected the process because of it).</li>
 * </ul>
 * About 3 minutes each under TCG on this project's machines.
 */
class KernelPatchedTrialIT {
    @Test
    void thePatchedKernelKeepsTheVectorRegistersOfRunningThreads(@TempDir Path tmp) {
        Workspace ws = VmAvailability.workspace();
        Path root = PatchedKernel.cacheRoot();
        Assumptions.assumeTrue(PatchedKernel.find(root).isPresent(), () -> PatchedKernel.notBuiltReason(root));
        Map<String, Object> report = trial(ws, tmp, GuestKernel.PATCHED);
        List<?> kernels = (List<?>) report.get("kernels_booted");
        assertEquals(3, kernels.size(), "main, crash and hand-over kernel booted: " + kernels);
        assertEquals(List.of("main", "crash", "main"), kernels.stream().map(k -> String.valueOf(k).split(" ")[0]).toList());
        assertTrue(kernels.stream().allMatch(k -> String.valueOf(k).endsWith("-otherworld")), "all patched: " + kernels);
        Map<?, ?> fpu = fpu(report);
        assertEquals("yes", fpu.get("expected"), "fpu section: " + fpu);
        assertEquals("intact", fpu.get("pattern"));
        assertTrue(((List<?>) fpu.get("running_at_crash")).size() > 0, "a spinner was on a CPU at the crash: " + fpu);
        assertTrue(((Map<?, ?>) fpu.get("agent_thread_fpu")).containsValue("saved_at_crash"),
                "the kernel saved a running thread's registers at the crash: " + fpu);
        assertEquals(List.of(), fpu.get("agent_fpu_entries"), "no fpu unrestored resource on the patched kernel");
        assertEquals("pass", report.get("verdict"), "notes: " + report.get("notes"));
    }

    @Test
    void theStockKernelLosesThemAndTheAgentSaysSo(@TempDir Path tmp) {
        Workspace ws = VmAvailability.workspace();
        Map<String, Object> report = trial(ws, tmp, GuestKernel.STOCK);
        List<?> kernels = (List<?>) report.get("kernels_booted");
        assertFalse(kernels.isEmpty(), "kernels seen on the console");
        assertTrue(kernels.stream().noneMatch(k -> String.valueOf(k).contains("otherworld")), "all stock: " + kernels);
        Map<?, ?> fpu = fpu(report);
        assertNotNull(report.get("phases_ms"));
        assertTrue(((List<?>) fpu.get("running_at_crash")).size() > 0, "a spinner was on a CPU at the crash: " + fpu);
        // the pattern of the thread running at the crash is broken (or the agent held the process back
        // because of it), and the agent listed exactly those threads as fpu unrestored resources
        assertFalse("intact".equals(fpu.get("pattern")), "on the stock kernel a running spinner loses its registers: " + fpu);
        assertEquals("yes", fpu.get("expected"), "fpu section: " + fpu);
    }

    /** Most trials run to get one where a spinner was on a CPU at the crash (the agent says which were). */
    private static final int ATTEMPTS = 3;

    private static Map<String, Object> trial(Workspace ws, Path tmp, GuestKernel kernel) {
        Map<String, Object> report = null;
        for (int i = 1; i <= ATTEMPTS; i++) {
            report = new Trial(ws, System.out::println).run(new Trial.Options(tmp.resolve(kernel.label() + "-" + i),
                    1024, System.getenv().getOrDefault("OTHERWORLD_ACCEL", "auto"), Fault.SYSRQ, List.of(Workload.fpu()),
                    false, null, kernel));
            Map<?, ?> fpu = fpu(report);
            System.out.println(kernel.label() + " trial " + i + ": " + report.get("verdict") + ", fpu: " + fpu);
            if (!String.valueOf(fpu.get("expected")).startsWith("inconclusive")) {
                return report;
            }
        }
        return report;
    }

    @SuppressWarnings("unchecked")
    private static Map<?, ?> fpu(Map<String, Object> report) {
        for (Object o : (List<Object>) report.get("processes")) {
            Map<String, Object> p = (Map<String, Object>) o;
            if ("fpu".equals(p.get("name"))) {
                assertNotNull(p.get("fpu"), "the report has the fpu section: " + p);
                return (Map<?, ?>) p.get("fpu");
            }
        }
        throw new AssertionError("no fpu workload in the report");
    }
}
