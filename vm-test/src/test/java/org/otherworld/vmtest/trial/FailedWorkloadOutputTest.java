package org.otherworld.vmtest.trial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailedWorkloadOutputTest {
    @TempDir
    Path tmp;

    @Test
    void theOutputOfAFailedWorkloadIsCopiedOutOfTheDataDisk() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/sbin/mke2fs")) && Files.isExecutable(Path.of("/sbin/debugfs")),
                "needs e2fsprogs (mke2fs, debugfs)");
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("work/dead"));
        Files.createDirectories(root.resolve("work/alive"));
        Files.writeString(root.resolve("work/dead/.ow-out.log"), "Exception in thread main: boom\n");
        Files.writeString(root.resolve("work/alive/.ow-out.log"), "fine\n");
        Files.writeString(root.resolve("work/dead/hs_err_pid328.log"), "# SIGSEGV (0xb) at pc=0x1c0\n");
        Files.writeString(root.resolve("work/dead/hs_err_pid328.log.bak"), "not a JVM error report\n");
        Path img = tmp.resolve("data.img");
        Process p = new ProcessBuilder("/sbin/mke2fs", "-q", "-t", "ext4", "-d", root.toString(), img.toString(), "8M")
                .redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        Workload dead = new Workload("dead", "/data/work/dead", "true", "true", null, "false", null);
        Workload alive = new Workload("alive", "/data/work/alive", "true", "true", null, "true", null);
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        results.put("dead", new LinkedHashMap<>(Map.of("state_check", "fail")));
        results.put("alive", new LinkedHashMap<>(Map.of("state_check", "pass")));
        Path out = Files.createDirectories(tmp.resolve("out"));
        Trial.keepFailedWorkloadOutput(img, out, List.of(dead, alive), results);
        assertEquals("workload-dead.log", results.get("dead").get("output"));
        assertEquals("Exception in thread main: boom\n", Files.readString(out.resolve("workload-dead.log")));
        assertEquals(List.of("workload-dead-hs_err_pid328.log"), results.get("dead").get("jvm_error_reports"));
        assertEquals("# SIGSEGV (0xb) at pc=0x1c0\n", Files.readString(out.resolve("workload-dead-hs_err_pid328.log")));
        assertNull(results.get("alive").get("output"));
        assertFalse(Files.exists(out.resolve("workload-alive.log")));
    }
}
