package org.otherworld.sdk;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real prctl through JNA on the machine running the tests. On a stock kernel PR_SET_OTHERWORLD and
 * PR_GET_OTHERWORLD answer EINVAL and the SDK falls back to the record file; on a kernel with patch 0002 the
 * values round-trip. Either way nothing may crash.
 */
class RealPrctlTest {
    @TempDir
    Path dir;

    @Test
    void realPrctlAnswersEinvalOnAStockKernelOrRoundTripsOnAPatchedOne() throws Exception {
        JnaNativeOps ops = new JnaNativeOps();
        int before = ops.prctlGetOtherworld()[0];
        int set = ops.prctlSetOtherworld(3, 7);
        String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        System.out.println("prctl(PR_SET_OTHERWORLD, 3, 7) on " + kernel + ": " + (set == 0 ? "accepted" : "errno " + set));
        if (set == 0) { // patched kernel: GET returns what SET stored; then leave the test JVM unregistered
            int[] got = ops.prctlGetOtherworld();
            assertEquals(3, got[0]);
            assertEquals(7, got[1]);
            assertEquals(0, ops.prctlSetOtherworld(0, 0));
            assertEquals(0, ops.prctlGetOtherworld()[0]);
        } else {
            assertEquals(NativeOps.EINVAL, set, "a stock kernel rejects the unknown option with EINVAL");
            assertEquals(-NativeOps.EINVAL, before);
        }

        // the same through the registry: status and record agree with what the kernel said
        ProcessIdentity id = new ProcessIdentity(ProcessHandle.current().pid() > Integer.MAX_VALUE ? 1
                : (int) ProcessHandle.current().pid(), 12345, "/bin/java", List.of("java"));
        Registry r = new Registry(new SdkConfig(dir, Duration.ofSeconds(1), false, Duration.ofMillis(50), true), ops,
                () -> id, Clock.systemUTC());
        CrashProcedure p = rep -> Decision.CONTINUE;
        r.register(p, 0);
        List<String> record = Files.readAllLines(r.recordPath());
        System.out.println("registration path: " + r.kernelInterfaceStatus());
        if (set == 0) {
            assertEquals("prctl (patched kernel) + record", r.kernelInterfaceStatus());
            assertTrue(record.contains("kernel=prctl"));
            assertEquals(1, ops.prctlGetOtherworld()[0]);
        } else {
            assertEquals("record only: stock kernel (prctl EINVAL)", r.kernelInterfaceStatus());
            assertTrue(record.contains("kernel=none"));
        }
        r.unregister(p);
        if (set == 0) {
            assertEquals(0, ops.prctlGetOtherworld()[0]);
        }
    }
}
