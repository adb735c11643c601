package org.otherworld.vmtest.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.vmtest.trial.Workload;

class BenchToolsTest {
    static boolean canBuild() {
        return Files.isExecutable(Path.of("/usr/bin/gcc")) && Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libc.a"));
    }

    @Test
    void memoryWorkloadsAreCopiedToTheDataDiskWithTheirScripts(@TempDir Path tmp) {
        Assumptions.assumeTrue(canBuild(), "gcc and a static libc are needed");
        Workload w = new BenchTools(tmp).memory(256, 3, 7);
        assertEquals("mem-256m-3p-7t", w.name());
        assertEquals("/data/workloads/mem-256m-3p-7t", w.dir());
        assertEquals("mkdir -p /data/work; exec ./owbench mem 256 3 7 /data/workloads/mem-256m-3p-7t", w.command());
        assertEquals("test -s ready && sync", w.ready());
        assertEquals("./verify-mem 3 7", w.check());
        assertEquals(Map.of("workloads/mem-256m-3p-7t", tmp.resolve("mem-256m-3p-7t")), Workload.dataFiles(java.util.List.of(w)));
        for (String f : new String[] {"owbench", "verify-mem", "first-request"}) {
            assertTrue(Files.isExecutable(tmp.resolve(w.name()).resolve(f)), f);
        }
        assertEquals(Bench.FIRST_REQUEST, new BenchTools(tmp).firstRequest().name());
    }

    /** owbench and verify-mem for real on this host: memory verified in every process, threads counted. */
    @Test
    void owbenchVerifiesItsMemoryOnRequest(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(canBuild(), "gcc and a static libc are needed");
        BenchTools t = new BenchTools(tmp);
        t.memory(2, 3, 4);
        Path dir = tmp.resolve("mem-2m-3p-4t").toRealPath();
        Process p = new ProcessBuilder("./owbench", "mem", "2", "3", "4", dir.toString()).directory(dir.toFile()).start();
        try {
            for (int i = 0; i < 100 && !Files.exists(dir.resolve("ready")); i++) {
                Thread.sleep(50);
            }
            Thread.sleep(200);
            Process v = new ProcessBuilder("./verify-mem", "3", "4").directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(v.getInputStream().readAllBytes());
            assertTrue(v.waitFor(60, TimeUnit.SECONDS));
            assertEquals("procs_ok=3/3 found=3 threads=4/4", out.strip());
            assertEquals(0, v.exitValue());
            // wrong expectations fail
            Process bad = new ProcessBuilder("./verify-mem", "3", "5").directory(dir.toFile()).redirectErrorStream(true).start();
            assertTrue(new String(bad.getInputStream().readAllBytes()).contains("threads=4/5"));
            assertTrue(bad.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, bad.exitValue());
            assertEquals("ok 512", Files.readString(dir.resolve("verify." + p.pid())).strip());
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    void loadAgainstNothingReportsAnError(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(canBuild(), "gcc and a static libc are needed");
        Path bin = new BenchTools(tmp).binary();
        Process p = new ProcessBuilder(bin.toString(), "load", "127.0.0.1:1", "kv", "1").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue());
        Map<String, Object> kv = Bench.keyValues(out);
        assertEquals(0.0, kv.get("requests"));
        assertEquals(1.0, kv.get("errors"));
        Process r = new ProcessBuilder(bin.toString(), "req", "127.0.0.1:1", "http").start();
        assertTrue(r.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, r.exitValue());
    }

    /**
     * owbench watch for real against a line server on this host: ready after the first good reply,
     * nothing noted while the boot is the same, then the first good reply after the boot id changed,
     * counting the failed attempts (server gone) in between.
     */
    @Test
    void watchNotesTheFirstGoodReplyUnderANewBoot(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(canBuild(), "gcc and a static libc are needed");
        BenchTools tools = new BenchTools(tmp);
        Path bin = tools.binary();
        Path bootId = tmp.resolve("boot_id");
        Files.writeString(bootId, "aaaa\n");
        Path dir = tmp.resolve(tools.firstRequest().name()); // the workload's directory: its check script lives there too
        java.net.ServerSocket ss = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread server = lineServer(ss);
        // as in a resurrected process's time namespace: /proc/uptime runs 1000 s ahead of the kernel's
        Path offsets = tmp.resolve("timens_offsets");
        Files.writeString(offsets, "monotonic 1000 0\nboottime 1000 500000000\n");
        Process p = new ProcessBuilder(bin.toString(), "watch", "127.0.0.1:" + ss.getLocalPort(), "kv", dir.toString(),
                bootId.toString(), offsets.toString()).redirectErrorStream(true).start();
        try {
            waitFor(dir.resolve("ready"));
            Thread.sleep(300);
            assertTrue(!Files.exists(dir.resolve("first-reply")), "same boot: nothing noted");
            int port = ss.getLocalPort();
            ss.close();
            server.join(5000);
            Files.writeString(bootId, "bbbb\n");
            Thread.sleep(500); // requests fail meanwhile: nothing listens
            assertTrue(!Files.exists(dir.resolve("first-reply")), "no good reply yet");
            java.net.ServerSocket again = new java.net.ServerSocket(port, 50, java.net.InetAddress.getLoopbackAddress());
            lineServer(again);
            try {
                waitFor(dir.resolve("first-reply"));
                String text = Files.readString(dir.resolve("first-reply")).strip();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "first_request_uptime=(-?\\d+\\.\\d+) failed_before=[1-9]\\d* namespace_uptime=(\\d+\\.\\d+)").matcher(text);
                assertTrue(m.matches(), text);
                // the kernel's uptime: the namespace's minus the boottime offset
                assertEquals(Double.parseDouble(m.group(2)) - 1000.5, Double.parseDouble(m.group(1)), 0.011, text);
                double host = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
                assertEquals(host - 1000.5, Double.parseDouble(m.group(1)), 10.0, "the test's /proc/uptime is the host's");
                // the workload's check prints it (the watcher's file must not replace the check script)
                Process check = new ProcessBuilder("./first-request").directory(dir.toFile()).redirectErrorStream(true).start();
                assertEquals(text, new String(check.getInputStream().readAllBytes()).strip());
                assertTrue(check.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, check.exitValue());
            } finally {
                again.close();
            }
        } finally {
            p.destroyForcibly();
            ss.close();
        }
    }

    private static void waitFor(Path f) throws InterruptedException {
        for (int i = 0; i < 200 && !Files.exists(f); i++) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(f), f + " not written");
    }

    /** Answers every line of every connection with "OK" until the socket is closed. */
    private static Thread lineServer(java.net.ServerSocket ss) {
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try (java.net.Socket c = ss.accept();
                     java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(c.getInputStream()))) {
                    if (in.readLine() != null) {
                        c.getOutputStream().write("OK\n".getBytes());
                    }
                } catch (IOException e) {
                    // closed: the test moves to its next step
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }
}
