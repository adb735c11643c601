package org.otherworld.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigTest {
    @Test
    void defaultsGiveThePlainAgentCommands() {
        Config c = Config.defaults();
        assertEquals(List.of("resurrect", "--vmcore", "/proc/vmcore", "--out", "/var/lib/otherworld/resurrection",
                "--state-dir", "/var/lib/otherworld"), c.resurrectArgs(null));
        assertEquals(List.of("restore", "--images", "/var/lib/otherworld/resurrection", "--state-dir",
                "/var/lib/otherworld", "--timeout", "180"), c.restoreArgs());
        assertFalse(c.customPolicy());
        assertTrue(c.keepVmcore());
    }

    @Test
    void keysMapOntoAgentOptions() {
        Config c = Config.parse("# comment\nimage-dir = /srv/ow\nfaulty-process = resurrect\npartial=always\n"
                + "write-back-dirty-data = no\nkeep-vmcore-on-failure = no\nnever-resurrect = comm:batch exe:/usr/bin/x\n"
                + "never-resurrect = comm:other\nresurrect = comm:cron\n", "t");
        assertEquals(List.of("resurrect", "--vmcore", "/proc/vmcore", "--out", "/srv/ow", "--state-dir",
                "/var/lib/otherworld", "--policy", "/p", "--resurrect-faulty", "--allow-partial", "--no-flush"),
                c.resurrectArgs(Path.of("/p")));
        assertFalse(c.keepVmcore());
        assertTrue(c.customPolicy());
        String policy = c.policyText("pid 1\ncomm cron\ncomm systemd\n");
        assertFalse(policy.contains("comm cron"), policy);
        assertTrue(policy.contains("pid 1\ncomm systemd\ncomm batch\nexe /usr/bin/x\ncomm other\n"), policy);
    }

    @Test
    void generatedPolicyIsAcceptedByTheAgent() throws Exception {
        Config c = Config.parse("never-resurrect = comm:batch\nresurrect = comm:cron\n", "t");
        String text = c.policyText(Config.builtInPolicy());
        Path f = Files.createTempFile("policy", ".txt");
        Files.writeString(f, text);
        org.otherworld.agent.plan.SystemPolicy.load(f);
        assertTrue(text.contains("comm systemd") && !text.contains("\ncomm cron\n"));
        Files.delete(f);
    }

    @Test
    void errorsNameTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Config.parse("image-dir = /x\n\nimage-dri = /y\n", "/etc/otherworld/otherworld.conf"));
        assertTrue(e.getMessage().startsWith("/etc/otherworld/otherworld.conf line 3: unknown key 'image-dri'"),
                e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.parse("faulty-process = maybe", "t"))
                .getMessage().contains("line 1: faulty-process must be one of skip, resurrect"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.parse("syscall-in-flight = fail", "t"))
                .getMessage().contains("only restart"));
        assertThrows(IllegalArgumentException.class, () -> Config.parse("image-dir = relative", "t"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.parse("crash-cpus = 0", "t"))
                .getMessage().contains("crash-cpus must be a number from 1 to 64"));
        assertEquals(3, Config.parse("crash-cpus = 3", "t").crashCpus());
        assertEquals(2, Config.defaults().crashCpus());
        assertThrows(IllegalArgumentException.class, () -> Config.parse("never-resurrect = bash", "t"));
        assertThrows(IllegalArgumentException.class, () -> Config.parse("dump-level = 40", "t"));
        assertThrows(IllegalArgumentException.class, () -> Config.parse("just words", "t"));
    }
}
