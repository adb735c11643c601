package org.otherworld.sdk;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end delivery with a real child JVM, a hand-written report file and {@code kill -PWR}. */
class ChildJvmTest {
    private static final long LINE_TIMEOUT_S = 30;
    private static final String EOF = "<EOF>";

    @TempDir
    Path dir;

    private Process start(String decision) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:-UsePerfData", "-Xmx64m", "-XX:TieredStopAtLevel=1",
                "-Dotherworld.state.dir=" + dir, "-cp", childClasspath(),
                ChildMain.class.getName(), decision, dir.resolve("app-state.txt").toString());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        return pb.start();
    }

    /** Directories/jars holding the test classes, the SDK and JNA (works under any launcher). */
    static String childClasspath() {
        return String.join(java.io.File.pathSeparator, List.of(location(ChildMain.class),
                location(CrashProcedures.class), location(com.sun.jna.Native.class)));
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BlockingQueue<String> lines(Process p) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    q.add(l);
                }
            } catch (IOException ignored) {
                // child gone
            }
            q.add(EOF);
        }, "child-stdout");
        t.setDaemon(true);
        t.start();
        return q;
    }

    private static String expect(BlockingQueue<String> q, String prefix) throws InterruptedException {
        String l = q.poll(LINE_TIMEOUT_S, TimeUnit.SECONDS);
        assertNotNull(l, "child printed nothing within " + LINE_TIMEOUT_S + " s, expected " + prefix);
        assertTrue(l.startsWith(prefix), "expected " + prefix + "... but got: " + l);
        return l;
    }

    /** Writes the report exactly as the restorer does: temp file in the same directory, then rename. */
    private void writeReport(long pid) throws IOException {
        Path reports = dir.resolve("reports");
        Files.createDirectories(reports);
        String text = "format=1\n"
                + "pid=" + pid + "\n"
                + "crashtime=2024-05-01T10:00:00Z\n"
                + "downtime_ms=4200\n"
                + "panic=Kernel panic - not syncing: sysrq triggered crash\n"
                + "faulty=false\n"
                + "resource=7\ttcp\ttcp 10.0.0.1:5432 ESTABLISHED\tsockets are not restored\n";
        Path tmp = reports.resolve("." + pid + ".report.tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, reports.resolve(pid + ".report"), StandardCopyOption.ATOMIC_MOVE);
    }

    private static void sendPwr(long pid) throws Exception {
        Process k = new ProcessBuilder("kill", "-PWR", Long.toString(pid)).inheritIO().start();
        assertTrue(k.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, k.exitValue());
    }

    private long ready(BlockingQueue<String> q, Process p) throws Exception {
        String ready = expect(q, "READY ");
        long pid = Long.parseLong(ready.split(" ")[1]);
        assertEquals(p.pid(), pid);
        assertTrue(ready.contains("signal=true"), "SIGPWR handler must be installable: " + ready);
        try (var s = Files.list(dir.resolve("registrations"))) {
            List<Path> recs = s.toList();
            assertEquals(1, recs.size());
            assertTrue(recs.get(0).getFileName().toString().startsWith(pid + "-"));
            assertTrue(Files.readAllLines(recs.get(0)).contains("delivery=signal"));
        }
        return pid;
    }

    @Test
    void continueDeliversReportBySignal() throws Exception {
        Process p = start("CONTINUE");
        try {
            BlockingQueue<String> q = lines(p);
            long pid = ready(q, p);
            writeReport(pid);
            sendPwr(pid);
            String rep = expect(q, "REPORT ");
            assertEquals("REPORT pid=" + pid + " crash=2024-05-01T10:00:00Z downtime_ms=4200 faulty=false"
                    + " panic=Kernel panic - not syncing: sysrq triggered crash resources=[UnrestoredResource[fd=7,"
                    + " kind=tcp, description=tcp 10.0.0.1:5432 ESTABLISHED, reason=sockets are not restored]]", rep);
            assertEquals("CONTINUED done=true", expect(q, "CONTINUED"));
            assertTrue(p.waitFor(LINE_TIMEOUT_S, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
            assertFalse(Files.exists(dir.resolve("reports/" + pid + ".report")));
            assertTrue(Files.readAllLines(dir.resolve("reports/" + pid + ".decision")).contains("decision=CONTINUE"));
            try (var s = Files.list(dir.resolve("registrations"))) {
                assertEquals(0, s.count(), "normal exit removes the registration record");
            }
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void saveAndRestartReExecsInPlaceWithSamePid() throws Exception {
        Process p = start("SAVE_AND_RESTART");
        try {
            BlockingQueue<String> q = lines(p);
            long pid = ready(q, p);
            writeReport(pid);
            sendPwr(pid);
            expect(q, "REPORT pid=" + pid);
            String restarted = expect(q, "RESTARTED ");
            assertEquals("RESTARTED pid=" + pid + " restarted=true state=counter=42 fd=1"
                    + " panic=Kernel panic - not syncing: sysrq triggered crash", restarted);
            assertTrue(Files.readAllLines(dir.resolve("reports/" + pid + ".decision")).contains("decision=SAVE_AND_RESTART"));
            // same process (same PID, never exited): procfs shows the new image's environment
            assertTrue(p.isAlive());
            assertTrue(ProcessHandle.of(pid).isPresent());
            byte[] environ = Files.readAllBytes(Path.of("/proc/" + pid + "/environ"));
            assertTrue(new String(environ, StandardCharsets.UTF_8).contains(
                    "OTHERWORLD_RESTARTED=" + dir.resolve("reports/" + pid + ".report.done")));
            OutputStream in = p.getOutputStream();
            in.write("exit\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertTrue(p.waitFor(LINE_TIMEOUT_S, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }
}
