package org.otherworld.vmtest.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.guest.Exec;

/**
 * CI's check of kernel-patches/: every patch is checkpatch-clean, applies to the current Debian 6.1
 * source (package linux-source-6.1) and the compilation units it changes build. Full kernel builds run
 * on demand ({@code kernel-patches/build.sh --full}). Set OTHERWORLD_SKIP_KERNEL_CHECK=1 to skip.
 */
class KernelPatchesIT {
    @Test
    void theSeriesAppliesAndItsChangedUnitsBuild() throws Exception {
        Assumptions.assumeFalse("1".equals(System.getenv("OTHERWORLD_SKIP_KERNEL_CHECK")),
                "kernel patch check skipped: OTHERWORLD_SKIP_KERNEL_CHECK=1");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/apt-get")),
                "kernel patch check skipped: needs Debian's apt to fetch linux-source-6.1");
        Path home = Workspace.detect().home();
        List<String> series = Files.readAllLines(home.resolve("kernel-patches/series")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertTrue(series.size() >= 3, "the series lists its patches");
        long t0 = System.nanoTime();
        Exec.Result r = Exec.run(List.of(home.resolve("kernel-patches/check.sh").toString()), home, 1500);
        System.out.println(r.stdout());
        System.out.println(r.stderr());
        System.out.printf("kernel-patches/check.sh: exit %d in %.0f s%n", r.exit(), (System.nanoTime() - t0) / 1e9);
        assertEquals(0, r.exit(), "kernel-patches/check.sh failed:\n" + r.stderr());
    }
}
