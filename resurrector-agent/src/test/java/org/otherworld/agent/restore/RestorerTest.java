package org.otherworld.agent.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.json.Json;
import org.otherworld.agent.plan.Registration;
import org.otherworld.agent.plan.SetManifest;
import org.otherworld.agent.plan.UnrestoredResource;

class RestorerTest {
    @TempDir
    Path tmp;

    /** An executable shell script {@code dir/name} with {@code body}. */
    static Path script(Path dir, String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /** A set manifest as resurrect writes it. */
    static Path set(Path images, int root, int parent, long ticks, boolean shellJob, int pid, boolean registered)
            throws Exception {
        Path d = images.resolve(String.valueOf(root));
        Files.createDirectories(d);
        Map<String, Object> proc = new java.util.LinkedHashMap<>();
        proc.put("pid", (long) pid);
        proc.put("ppid", (long) parent);
        proc.put("comm", "p" + pid);
        proc.put("crash_procedure", registered);
        proc.put("registered", registered);
        proc.put("faulty", false);
        proc.put("unrestored", SetManifest.unrestoredJson(List.of(new UnrestoredResource(7, "tcp",
                "tcp 10.0.0.1:5432 -> 10.0.0.2:4000 ESTABLISHED", "sockets are not restored"))));
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("format", 1L);
        m.put("root", (long) root);
        m.put("parent", (long) parent);
        m.put("root_start_ticks", ticks);
        m.put("shell_job", shellJob);
        m.put("crash_time", "2026-11-22T10:00:00Z");
        m.put("panic", "Kernel panic - not syncing: sysrq\ttest");
        m.put("processes", List.of(proc));
        m.put("max_id", (long) pid + 3); // as if the process had three more threads
        Files.writeString(d.resolve(SetManifest.FILE), Json.write(m));
        return d;
    }

    @Test
    void setWithAnEstablishedTcpConnectionGetsTcpEstablished() throws Exception {
        Path images = tmp.resolve("img");
        Path s = set(images, 100, 1, 1, false, 100, false);
        Restorer r = new Restorer(new Restorer.Options(images, tmp.resolve("st"), "criu", "kill",
                Duration.ofSeconds(5), tmp.resolve("lp")), x -> { });
        assertFalse(r.criuCommand(ImageSetEntry.read(s)).contains("--tcp-established"));
        Files.writeString(s.resolve("tcp-stream-1a2b.img"), "");
        assertTrue(r.criuCommand(ImageSetEntry.read(s)).contains("--tcp-established"));
    }

    @Test
    void ordersParentsFirstThenByStartTime() throws Exception {
        Path images = tmp.resolve("img");
        set(images, 300, 200, 5, true, 300, false); // its parent 200 is in set 200, although it started earlier
        set(images, 200, 1, 9, false, 200, false);
        set(images, 100, 1, 7, false, 100, false);
        List<String> errors = new ArrayList<>();
        List<ImageSetEntry> order = RestoreOrder.order(Restorer.find(images, errors));
        assertEquals(List.of(100, 200, 300), order.stream().map(ImageSetEntry::root).toList());
        assertTrue(errors.isEmpty());
    }

    @Test
    void runsCriuPerSetDeliversReportsAndContinuesAfterAFailure() throws Exception {
        Path images = tmp.resolve("img");
        Path good = set(images, 100, 1, 1, false, 100, true);
        Path bad = set(images, 200, 1, 2, true, 200, true);
        Files.writeString(bad.resolve("fail"), "");
        Path calls = tmp.resolve("calls");
        Path criu = script(tmp, "criu", "echo \"$*\" >> " + calls + "\n"
                + "dir=$3\nif [ -e $dir/fail ]; then echo 'Error (criu/cr-restore.c:1234): oops' > $dir/criu-restore.log;"
                + " exit 1; fi\nexit 0\n");
        Path signals = tmp.resolve("signals");
        Path kill = script(tmp, "kill", "echo \"$*\" >> " + signals + "\n");
        Path state = tmp.resolve("state");
        Path lastPid = tmp.resolve("ns_last_pid");
        Files.writeString(lastPid, "150\n");
        Map<String, Object> r = new Restorer(new Restorer.Options(images, state, criu.toString(), kill.toString(),
                Duration.ofSeconds(20), lastPid), s -> { }).run();
        assertEquals("203", Files.readString(lastPid).strip(), "fresh pids start above every pid the sets need");
        assertEquals(1L, r.get("sets_restored"));
        assertEquals(1L, r.get("sets_failed"));
        List<String> cl = Files.readAllLines(calls);
        assertEquals("restore -D " + good + " -d -o criu-restore.log -v4", cl.get(0));
        assertEquals("restore -D " + bad + " -d -o criu-restore.log -v4 --shell-job", cl.get(1));
        assertEquals(List.of("-PWR 100"), Files.readAllLines(signals)); // never to a process that was not restored
        Path report = state.resolve("reports/100.report");
        assertTrue(Files.exists(report));
        assertFalse(Files.exists(state.resolve("reports/200.report")));
        Map<String, String> kv = Registration.keyValues(Files.readString(report));
        assertEquals("100", kv.get("pid"));
        assertEquals("2026-11-22T10:00:00Z", kv.get("crashtime"));
        assertEquals("Kernel panic - not syncing: sysrq\ttest", kv.get("panic"));
        assertEquals("false", kv.get("faulty"));
        assertTrue(Long.parseLong(kv.get("downtime_ms")) >= 0);
        assertEquals("7\ttcp\ttcp 10.0.0.1:5432 -> 10.0.0.2:4000 ESTABLISHED\tsockets are not restored",
                Files.readAllLines(report).stream().filter(l -> l.startsWith("resource=")).findFirst().orElseThrow()
                        .substring("resource=".length()));
        String json = Files.readString(images.resolve("restore.json"));
        assertTrue(json.contains("oops"), json);
        // a report still pending blocks a second one for the same pid
        Map<String, Object> again = new Restorer(new Restorer.Options(images, state, criu.toString(), kill.toString(),
                Duration.ofSeconds(20), null), s -> { }).run();
        assertEquals(0L, again.get("reports_delivered"));
    }

    @Test
    void noImagesNothingToDo() throws Exception {
        Map<String, Object> r = new Restorer(new Restorer.Options(tmp.resolve("none"), null, "criu", "kill",
                Duration.ofSeconds(1), null), s -> { }).run();
        assertEquals(0L, r.get("sets_failed"));
    }
}
