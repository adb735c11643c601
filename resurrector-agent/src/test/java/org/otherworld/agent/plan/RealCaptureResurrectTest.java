package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.ImageReader;
import org.otherworld.agent.images.ImageSet;
import org.otherworld.agent.images.ProcessImage;
import org.otherworld.agent.images.XsaveLayout;
import org.otherworld.agent.json.Json;

/**
 * Runs the whole resurrect step on a real capture of the VM harness (demo workloads shell-loop,
 * mtworker, jvm-counter crashed with sysrq) and reads the image sets back. Skipped when the capture store
 * holds no capture (make one with {@code ./otherworld capture}, or point {@code -Dotherworld.captures}
 * at a directory of captures).
 */
class RealCaptureResurrectTest {
    @TempDir
    Path out;

    @Test
    @SuppressWarnings("unchecked")
    void writesImageSetsForTheDemoWorkloads() throws Exception {
        Path cap = FirstCapture.vmcoreOrSkip().getParent();
        Map<String, Object> capture = (Map<String, Object>) Json.parse(Files.readString(cap.resolve("capture.json")));
        Map<String, Object> workloads = (Map<String, Object>) capture.get("workloads");
        Assumptions.assumeTrue(workloads != null && workloads.containsKey("shell-loop"),
                "capture " + cap + " has no demo workloads: skipped");

        Map<String, Object> report = new Resurrector(new Resurrector.Options(cap.resolve("vmcore"), out, null, null, null,
                Planner.Config.defaults()), s -> { }).run();
        assertEquals("complete", report.get("status"));
        Map<Long, Map<String, Object>> procs = ((List<Object>) report.get("processes")).stream()
                .map(o -> (Map<String, Object>) o).collect(Collectors.toMap(p -> (Long) p.get("pid"), p -> p));
        for (Object pid : workloads.values()) {
            assertTrue(procs.containsKey(((Number) pid).longValue()), "report lists workload pid " + pid);
        }
        assertFalse((Boolean) procs.get(1L).get("resurrect")); // init
        long shell = ((Number) workloads.get("shell-loop")).longValue();
        Map<String, Object> sh = procs.get(shell);
        assertEquals(true, sh.get("resurrect"), String.valueOf(sh.get("reason")));
        assertEquals(shell, sh.get("tree"));
        long mt = ((Number) workloads.get("mtworker")).longValue();
        // mtworker runs in an IPC namespace of its own (then its SysV segment is restored with it); captures
        // made before that change have it in the host's namespace, where it must be refused for SysV
        Map<String, Object> m = procs.get(mt);
        if (!Boolean.TRUE.equals(m.get("resurrect"))) {
            assertTrue(String.valueOf(m.get("reason")).contains("SysV"), String.valueOf(m.get("reason")));
        }
        assertEquals(1, ((List<Object>) report.get("faulty_tids")).size());
        Map<String, Object> crash = (Map<String, Object>) report.get("crash");
        if ("absent".equals(crash.get("crash_info"))) { // stock kernel: the panicking CPU's crash note
            assertEquals("cpu_notes", crash.get("source"));
            assertEquals(false, report.get("kernel_registrations"));
        }
        // every thread with approximate FPU state is reported as an unrestored "fpu" resource of its process
        for (Map<String, Object> p : procs.values()) {
            List<Object> un = (List<Object>) p.get("unrestored");
            for (Object o : (List<Object>) p.get("threads")) {
                Map<String, Object> t = (Map<String, Object>) o;
                if ("approximate".equals(t.get("fpu"))) {
                    String d = "FPU/SSE/AVX registers of thread " + t.get("tid");
                    assertTrue(un.stream().anyMatch(u -> d.equals(((Map<String, Object>) u).get("description"))),
                            p.get("pid") + ": " + un);
                }
            }
        }

        Path set = out.resolve(String.valueOf(shell));
        assertTrue(Files.exists(set.resolve(SetManifest.FILE)));
        ImageSet read = new ImageReader(XsaveLayout.INTEL_AVX512).read(set);
        ProcessImage root = read.processes().get(0);
        assertEquals(shell, root.pid());
        assertEquals("sh", root.comm());
        assertFalse(root.mm().vmas().isEmpty());
        assertNotNull(root.fs().cwd());
        assertTrue(root.fds().stream().anyMatch(f -> f.fd() == 1 && f.file().path().endsWith(".ow-out.log")),
                root.fds().toString());
        long pages = ((Number) ((Map<String, Object>) report.get("totals")).get("pages")).longValue();
        assertTrue(pages > 0);

        // the JVM: its only socket (fd 6, a unix stream socket whose peer closed) is stateless, so it is
        // resurrected without a crash procedure and the socket is in its image set
        Object jvmPid = workloads.get("jvm-counter");
        if (jvmPid != null) {
            long jvm = ((Number) jvmPid).longValue();
            Map<String, Object> j = procs.get(jvm);
            assertEquals(true, j.get("resurrect"), String.valueOf(j.get("reason")));
            ProcessImage ji = new ImageReader(XsaveLayout.INTEL_AVX512).read(out.resolve(String.valueOf(jvm)))
                    .processes().get(0);
            var sockets = ji.fds().stream().filter(f -> f.file().socket() != null).toList();
            assertFalse(sockets.isEmpty(), ji.fds().toString());
            for (var f : sockets) {
                assertEquals(org.otherworld.agent.images.UnixSocketImage.SHUTDOWN_BOTH, f.file().socket().shutdown(),
                        f.toString());
            }
        }
    }

    /** Processes read and trees written by two threads come out byte for byte as by one, one after another. */
    @Test
    void twoTreeWritersWriteTheSameImages(@TempDir Path one, @TempDir Path two) throws Exception {
        Path vmcore = FirstCapture.vmcoreOrSkip();
        for (Map.Entry<Path, Integer> run : Map.of(one, 1, two, 2).entrySet()) {
            new Resurrector(new Resurrector.Options(vmcore, run.getKey(), null, null, null, Planner.Config.defaults(),
                    null, run.getValue()), s -> { }).run();
        }
        List<Path> files;
        try (var walk = Files.walk(one)) {
            files = walk.filter(Files::isRegularFile).map(one::relativize)
                    .filter(p -> !p.toString().equals("report.json")).sorted().toList(); // it names its directory
        }
        try (var walk = Files.walk(two)) {
            assertEquals(files.size() + 1, walk.filter(Files::isRegularFile).count());
        }
        assertTrue(files.stream().anyMatch(p -> p.getFileName().toString().startsWith("pages-")), files.toString());
        for (Path f : files) {
            assertEquals(-1L, Files.mismatch(one.resolve(f), two.resolve(f)), f.toString());
        }
    }
}
