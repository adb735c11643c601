package org.otherworld.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperationsTest {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    final List<List<String>> agentCalls = new ArrayList<>();

    String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void dryRunArmRecordsNothingAndShowsTheKexecCall(@TempDir Path root) throws IOException {
        HostChecksTest.fakeHost(root, HostChecksTest.IOMEM, "6.1.0-56-cloud-amd64", false);
        CommandLinesTest.entry(root.resolve("sys/firmware/memmap"), 0, 0, 0x9fbff, "System RAM");
        Operations ops = new Operations(new Host(root), out, a -> 0);
        assertEquals(0, ops.arm(false, true), text());
        assertTrue(text().contains("-s -p /boot/vmlinuz-6.1.0-56-cloud-amd64 --initrd=/boot/initrd.img-6.1.0-56"
                + "-cloud-amd64 --append=root=/dev/vda ro console=ttyS0 init=/usr/lib/otherworld/crash-init"), text());
        assertTrue(text().contains("would record memmap: memmap=exactmap memmap=0x9fc00@0x0"), text());
        assertFalse(Files.exists(root.resolve("var/lib/otherworld/arm")));
    }

    @Test
    void armRefusesWithoutReservation(@TempDir Path root) throws IOException {
        HostChecksTest.fakeHost(root, "", "6.1.0-56-cloud-amd64", false);
        assertEquals(1, new Operations(new Host(root), out, a -> 0).arm(false, false));
        assertTrue(text().contains("FAIL crashkernel") && text().contains("arm: not armed"), text());
    }

    @Test
    void crashResurrectThenRestoreThenStatus(@TempDir Path root) throws IOException {
        HostChecksTest.fakeHost(root, HostChecksTest.IOMEM, "6.1.0-56-cloud-amd64", false);
        Path images = root.resolve("var/lib/otherworld/resurrection");
        Operations ops = new Operations(new Host(root), out, a -> {
            agentCalls.add(a);
            try {
                if (a.get(0).equals("resurrect")) {
                    Files.writeString(images.resolve("report.json"), "{\"status\":\"complete\",\"kernel\":\"6.1\","
                            + "\"crash_time\":\"t\",\"totals\":{\"processes\":3,\"resurrected\":1,\"trees\":1},"
                            + "\"processes\":[{\"pid\":412,\"resurrect\":true,\"threads\":[{\"tid\":412},{\"tid\":430}]},"
                            + "{\"pid\":9000,\"resurrect\":false,\"threads\":[{\"tid\":9001}]}]}");
                } else {
                    Files.writeString(images.resolve("restore.json"), "{\"sets_restored\":1,\"sets_failed\":0,"
                            + "\"reports_delivered\":0,\"sets\":[{\"processes\":[{\"pid\":412,\"comm\":\"java\","
                            + "\"restored\":true}]}]}");
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            return 0;
        });
        Config cfg = Config.parse("image-dir = /var/lib/otherworld/resurrection\nnever-resurrect = comm:batch\n", "t");
        // an old image set is moved aside, never mixed with the new one
        Files.createDirectories(images.resolve("99"));
        assertEquals(0, ops.crashResurrect(cfg));
        assertTrue(Files.isDirectory(root.resolve("var/lib/otherworld/resurrection.previous/99")));
        assertEquals("--policy", agentCalls.get(0).get(7));
        assertTrue(Files.readString(images.resolve("policy.txt")).contains("comm batch"));
        assertTrue(Files.exists(root.resolve("var/lib/otherworld/restore-pending")));
        // the highest tid of a resurrected process, not of the one left dead
        assertEquals("430", Files.readString(root.resolve("run/otherworld-pid-floor")).strip());
        Path regs = Files.createDirectories(root.resolve("var/lib/otherworld/registrations"));
        Files.writeString(regs.resolve("412-77.reg"), "format=1\npid=412\npolicy=RESURRECT_WITH_PROCEDURE\n"
                + "procedures=1\ncmdline=java\t-jar\tapp.jar\n");
        assertEquals(0, ops.restore(cfg));
        assertFalse(Files.exists(root.resolve("var/lib/otherworld/restore-pending")));
        assertEquals("restore", agentCalls.get(1).get(0));
        ops.status(cfg);
        String t = text();
        assertTrue(t.contains("pid 412 policy RESURRECT_WITH_PROCEDURE procedures 1 cmd java -jar app.jar"), t);
        assertTrue(t.contains("last resurrection: complete, crash of kernel 6.1 at t: 1 of 3 processes in 1 trees"), t);
        assertTrue(t.contains("pid 412 java: restored"), t);
        assertTrue(t.contains("state:        not armed"), t);
        assertTrue(t.contains("reservation:  256 MiB"), t);
    }

    @Test
    void restoreRunsTheAgentsScriptThenTheToolTakesItsOutcomes(@TempDir Path root) throws IOException {
        HostChecksTest.fakeHost(root, HostChecksTest.IOMEM, "6.1.0-56-cloud-amd64", false);
        Path images = Files.createDirectories(root.resolve("var/lib/otherworld/resurrection"));
        Files.writeString(root.resolve("var/lib/otherworld/restore-pending"), "");
        // a stand-in for the agent's script: records its per-set timeout and one outcome
        Files.writeString(images.resolve("restore.sh"), "here=$(dirname \"$0\")\necho \"412 0 700\" > \"$here/restore-outcomes.txt\"\n"
                + "echo \"criu restore of set 412: exit 0 in 700 ms (timeout $OW_SET_TIMEOUT)\"\n");
        Operations ops = new Operations(new Host(root), out, a -> {
            agentCalls.add(a);
            return 0;
        });
        assertEquals(0, ops.restore(Config.parse("image-dir = /var/lib/otherworld/resurrection\nrestore-timeout = 90\n", "t")));
        assertTrue(text().contains("restore.sh: criu restore of set 412: exit 0 in 700 ms (timeout 90)"), text());
        List<String> call = agentCalls.get(0);
        assertEquals("--outcomes", call.get(call.size() - 2), call.toString());
        assertEquals(images.resolve("restore-outcomes.txt").toString(), call.get(call.size() - 1));

        // a script that records nothing: the tool restores the sets itself
        agentCalls.clear();
        Files.writeString(root.resolve("var/lib/otherworld/restore-pending"), "");
        Files.writeString(images.resolve("restore.sh"), "exit 3\n");
        assertEquals(0, ops.restore(Config.parse("image-dir = /var/lib/otherworld/resurrection\n", "t")));
        assertFalse(agentCalls.get(0).contains("--outcomes"), agentCalls.toString());
        assertTrue(text().contains("restore.sh recorded no outcomes (exit 3): the restore tool runs criu itself"), text());
    }

    @Test
    void failedAgentRequestsADump(@TempDir Path root) throws IOException {
        HostChecksTest.fakeHost(root, HostChecksTest.IOMEM, "6.1.0-56-cloud-amd64", false);
        Operations ops = new Operations(new Host(root), out, a -> 1);
        assertEquals(1, ops.crashResurrect(Config.defaults()));
        String req = Files.readString(root.resolve("run/otherworld-dump-dir"));
        assertTrue(req.startsWith("/var/crash/otherworld/") && req.strip().endsWith(" 31"), req);
        assertFalse(Files.exists(root.resolve("var/lib/otherworld/restore-pending")));
        Files.delete(root.resolve("run/otherworld-dump-dir"));
        assertEquals(1, ops.crashResurrect(Config.parse("keep-vmcore-on-failure = no", "t")));
        assertFalse(Files.exists(root.resolve("run/otherworld-dump-dir")));
    }

    @Test
    void armRecordRoundTrip(@TempDir Path root) throws IOException {
        Host h = new Host(root);
        ArmRecord.write(h, Map.of("release", "6.1", "memmap", "memmap=exactmap"), Map.of("btf", new byte[] {1}));
        ArmRecord.write(h, Map.of("release", "6.2"), Map.of());
        assertEquals(Map.of("release", "6.2"), ArmRecord.read(h).orElseThrow());
        ArmRecord.delete(h);
        assertTrue(ArmRecord.read(h).isEmpty());
    }
}
