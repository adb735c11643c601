package org.otherworld.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.sdk.CrashProcedures;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kvstore demo in a real child JVM: report + SIGPWR lead to save, in-place restart and reload. */
class KvStoreRestartTest {
    @TempDir
    Path dir;

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static String await(BlockingQueue<String> q, String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String l = q.poll(1, TimeUnit.SECONDS);
            if (l != null && l.startsWith(prefix)) {
                return l;
            }
        }
        return null;
    }

    @Test
    void saveAndRestartKeepsAcknowledgedKeys() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String cp = String.join(java.io.File.pathSeparator, List.of(location(Main.class),
                location(CrashProcedures.class), location(com.sun.jna.Native.class)));
        Path state = dir.resolve("state");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Dotherworld.state.dir=" + state,
                "-cp", cp, Main.class.getName(), "kvstore", Integer.toString(port), dir.resolve("data").toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        try {
            BlockingQueue<String> q = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        q.add(l);
                    }
                } catch (IOException ignored) {
                    // child gone
                }
            });
            reader.setDaemon(true);
            reader.start();
            assertNotNull(await(q, "kvstore: listening on port " + port), "kvstore did not start");
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
            Path acks = dir.resolve("acks");
            assertEquals(25, KvClientTool.putKeys(addr, 25, acks, 0, "r"));

            Path reports = state.resolve("reports");
            Files.createDirectories(reports);
            Path tmp = reports.resolve(".tmp");
            Files.writeString(tmp, "format=1\npid=" + p.pid() + "\ncrashtime=2024-05-01T10:00:00Z\n"
                    + "resource=5\ttcp\ttcp 0.0.0.0:" + port + " LISTEN\tsockets are not restored\n");
            Files.move(tmp, reports.resolve(p.pid() + ".report"), StandardCopyOption.ATOMIC_MOVE);
            Process k = new ProcessBuilder("kill", "-PWR", Long.toString(p.pid())).start();
            assertTrue(k.waitFor(10, TimeUnit.SECONDS));

            String reloaded = await(q, "kvstore: restarted after crash");
            assertNotNull(reloaded, "kvstore was not restarted");
            assertTrue(reloaded.startsWith("kvstore: restarted after crash, reloaded 25 keys"), reloaded);
            assertNotNull(await(q, "kvstore: listening on port " + port + " pid " + p.pid()), "same pid must serve again");
            assertTrue(p.isAlive());
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            assertTrue(KvClientTool.check(addr, acks, new PrintStream(buf, true, StandardCharsets.UTF_8)),
                    buf.toString(StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
