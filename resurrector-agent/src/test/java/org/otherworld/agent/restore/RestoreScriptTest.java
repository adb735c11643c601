package org.otherworld.agent.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestoreScriptTest {
    @TempDir
    Path tmp;

    /** Runs the script with a fake criu and pid cursor; returns its output. */
    private String run(Path images, Path criu, Path cursor, int jobs) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", images.resolve(RestoreScript.FILE).toString()).redirectErrorStream(true);
        pb.environment().put("OTHERWORLD_CRIU", criu.toString());
        pb.environment().put("OW_PID_CURSOR", cursor.toString());
        pb.environment().put("OW_RESTORE_JOBS", Integer.toString(jobs));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void runsCriuLikeTheRestoreToolAndTheToolTakesItsOutcomes() throws Exception {
        Path images = tmp.resolve("img");
        Path a = RestorerTest.set(images, 100, 1, 1, false, 100, true);
        Path b = RestorerTest.set(images, 300, 200, 5, true, 300, false); // parent 200 is in set 200: after it
        Path c = RestorerTest.set(images, 200, 1, 9, false, 200, true);
        Files.writeString(a.resolve("tcp-stream-1a2b.img"), "");
        Files.writeString(c.resolve("fail"), "");
        assertEquals(3, RestoreScript.write(images));
        String text = Files.readString(images.resolve(RestoreScript.FILE));
        assertTrue(text.contains("start_set 100 --tcp-established\nstart_set 200\nwave\nstart_set 300 --shell-job\nwave\n"), text);
        assertTrue(text.contains("need=303\n"), text);

        Path calls = tmp.resolve("calls");
        Path criu = RestorerTest.script(tmp, "criu", "echo \"$*\" >> " + calls + "\n"
                + "dir=$3\nif [ -e $dir/fail ]; then echo 'Error (criu/cr-restore.c:1234): oops' > $dir/criu-restore.log;"
                + " exit 1; fi\nexit 0\n");
        Path cursor = tmp.resolve("ns_last_pid");
        Files.writeString(cursor, "150\n");
        String out = run(images, criu, cursor, 1);
        assertTrue(out.contains("restore: fresh pids start above 303 (were at 150)"), out);
        assertEquals("303", Files.readString(cursor).strip());
        // the same arguments as the restore tool's own criu command (the directory through the script's path)
        Restorer tool = new Restorer(new Restorer.Options(images, tmp.resolve("st"), criu.toString(), "kill",
                Duration.ofSeconds(5), null), s -> { });
        List<String> expected = new ArrayList<>();
        for (int root : new int[] {100, 200, 300}) {
            List<String> cmd = tool.criuCommand(ImageSetEntry.read(images.resolve(String.valueOf(root))));
            expected.add(String.join(" ", cmd.subList(1, cmd.size())).replace(images.toString(), images.toRealPath().toString()));
        }
        assertEquals(expected, Files.readAllLines(calls));
        List<String> outcomes = Files.readAllLines(images.resolve(RestoreScript.OUTCOMES));
        assertEquals(List.of("100 0", "200 1", "300 0"), outcomes.stream().map(l -> l.substring(0, l.lastIndexOf(' '))).toList());

        // the tool takes the outcomes: criu is not run again, reports go to the restored registered process only
        Path signals = tmp.resolve("signals");
        Path kill = RestorerTest.script(tmp, "kill", "echo \"$*\" >> " + signals + "\n");
        Map<String, Object> r = new Restorer(new Restorer.Options(images, tmp.resolve("state"), criu.toString(),
                kill.toString(), Duration.ofSeconds(5), cursor, images.resolve(RestoreScript.OUTCOMES)), s -> { }).run();
        assertEquals(3, Files.readAllLines(calls).size(), "criu ran once per set, by the script");
        assertEquals(2L, r.get("sets_restored"));
        assertEquals(1L, r.get("sets_failed"));
        assertEquals(List.of("-PWR 100"), Files.readAllLines(signals)); // 200 registered too, but its restore failed
        assertTrue(Files.readString(images.resolve("restore.json")).contains("oops"));
    }

    @Test
    void theAgentsManifestsInMemoryWriteTheSameScriptAsTheirFiles() throws Exception {
        Path images = tmp.resolve("img");
        RestorerTest.set(images, 100, 1, 1, false, 100, false);
        RestorerTest.set(images, 300, 200, 3, true, 300, false);
        Path big = RestorerTest.set(images, 200, 1, 2, false, 200, false);
        Files.write(big.resolve("pages-12.img"), new byte[8192]);
        Files.write(big.resolve("pages-x.img"), new byte[65536]); // not a page image: not counted
        RestoreScript.write(images);
        String fromFiles = Files.readString(images.resolve(RestoreScript.FILE));
        List<ImageSetEntry> inMemory = new ArrayList<>();
        for (ImageSetEntry e : Restorer.find(images, new ArrayList<>())) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) org.otherworld.agent.json.Json.parse(
                    Files.readString(e.dir().resolve(org.otherworld.agent.plan.SetManifest.FILE)));
            inMemory.add(ImageSetEntry.of(e.dir(), m));
        }
        java.util.Collections.reverse(inMemory);
        assertEquals(3, RestoreScript.write(images, inMemory));
        assertEquals(fromFiles, Files.readString(images.resolve(RestoreScript.FILE)));
        assertEquals(8192, RestoreScript.pageBytes(big));
        assertTrue(RestoreScript.isPageImage("pages-1.img"));
        assertFalse(RestoreScript.isPageImage("pages-.img"));
        assertFalse(RestoreScript.isPageImage("pages-1a.img"));
        assertFalse(RestoreScript.isPageImage("pagemap-1.img"));
    }

    @Test
    void independentSetsRestoreTogetherAndAChildSetAfterItsParentsSet() throws Exception {
        Path images = tmp.resolve("img");
        RestorerTest.set(images, 100, 1, 1, false, 100, false);
        RestorerTest.set(images, 200, 1, 2, false, 200, false);
        RestorerTest.set(images, 300, 200, 3, false, 300, false); // its parent 200 is in set 200
        Path big = RestorerTest.set(images, 400, 1, 4, false, 400, false);
        Files.write(big.resolve("pages-1.img"), new byte[8192]); // the largest of wave 0: started first
        RestoreScript.write(images);
        assertTrue(Files.readString(images.resolve(RestoreScript.FILE)).contains("start_set 400\nstart_set 100\nstart_set 200\nwave\n"));
        assertEquals(List.of(0, 0, 1, 0), RestoreScript.waves(RestoreOrder.order(Restorer.find(images, new ArrayList<>()))));
        Path calls = tmp.resolve("calls");
        Path criu = RestorerTest.script(tmp, "criu", "root=$(basename $3)\necho begin $root >> " + calls
                + "\nsleep 0.5\necho end $root >> " + calls + "\n");
        Path cursor = tmp.resolve("ns_last_pid");
        Files.writeString(cursor, "1\n");
        run(images, criu, cursor, 2);
        List<String> order = Files.readAllLines(calls);
        assertEquals(8, order.size(), order.toString());
        // two at once: 400 and 100 together, 200 (the rest of wave 0) when one of them ended, 300 (wave 1)
        // after all of wave 0
        assertTrue(order.indexOf("begin 100") < order.indexOf("end 400"), order.toString());
        assertTrue(order.indexOf("begin 200") > Math.min(order.indexOf("end 100"), order.indexOf("end 400")), order.toString());
        for (int root : new int[] {100, 200, 400}) {
            assertTrue(order.indexOf("begin 300") > order.indexOf("end " + root), order.toString());
        }
        int running = 0;
        int most = 0;
        for (String l : order) {
            running += l.startsWith("begin") ? 1 : -1;
            most = Math.max(most, running);
        }
        assertEquals(2, most, order.toString());
        assertEquals(4, Files.readAllLines(images.resolve(RestoreScript.OUTCOMES)).size());
    }

    @Test
    void aSetWithoutAnOutcomeIsReportedNotRestored() throws Exception {
        Path images = tmp.resolve("img");
        RestorerTest.set(images, 100, 1, 1, false, 100, false);
        RestorerTest.set(images, 200, 1, 2, false, 200, false);
        Path outcomes = images.resolve(RestoreScript.OUTCOMES);
        Files.writeString(outcomes, "100 0 512\nnot a line\n");
        List<String> logged = new ArrayList<>();
        Map<String, Object> r = new Restorer(new Restorer.Options(images, null, "criu", "kill", Duration.ofSeconds(5), null,
                outcomes), logged::add).run();
        assertEquals(1L, r.get("sets_restored"));
        assertEquals(1L, r.get("sets_failed"));
        assertTrue(logged.contains("set 100: restored in 512 ms"), logged.toString());
        assertTrue(logged.stream().anyMatch(l -> l.startsWith("set 200: not restored: restore.sh recorded no outcome")), logged.toString());
        assertTrue(r.get("errors").toString().contains("malformed outcome line 'not a line'"), r.toString());
        assertFalse(Files.exists(images.resolve(RestoreScript.FILE)));
    }
}
