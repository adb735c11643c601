package org.otherworld.vmtest.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCmdTest {
    static Bench.Options parse(String... args) {
        BenchCmd c = new BenchCmd();
        new CommandLine(c).parseArgs(args);
        return c.options();
    }

    @Test
    void defaultsAndOverrides() {
        Bench.Options d = parse();
        assertEquals(5, d.reps());
        assertEquals(List.of(16, 64, 256, 1024), d.memoryMiB());
        assertEquals(Bench.STEPS, d.steps());
        Bench.Options o = parse("--reps", "2", "--memory-points", "64,128", "--steps", "scaling,overhead");
        assertEquals(2, o.reps());
        assertEquals(List.of(64, 128), o.memoryMiB());
        assertTrue(o.step("scaling") && !o.step("breakdown"));
        Bench.Options s = parse("--short");
        assertTrue(s.shortMode());
        assertEquals(1, s.reps());
    }

    @Test
    void badValuesAreRefusedWithTheirName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--reps", "0")).getMessage().contains("--reps"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--steps", "nope")).getMessage().contains("nope"));
        assertThrows(IllegalArgumentException.class, () -> parse("--thread-points", "0"));
    }

    @Test
    void theUnarmedServerRunsUnregisteredOnTheBenchPort() {
        String armed = LiveGuest.serverCommand(LiveGuest.SERVERS.get(0), true);
        String unarmed = LiveGuest.serverCommand(LiveGuest.SERVERS.get(0), false);
        assertTrue(armed.endsWith("org.otherworld.demo.Main kvstore 7071 /data/bench/kvstore"), armed);
        assertTrue(!armed.contains("register=false"), armed);
        assertTrue(unarmed.startsWith("exec java -Dotherworld.demo.register=false "), unarmed);
        assertTrue(LiveGuest.serverCommand(LiveGuest.SERVERS.get(1), true).endsWith("Main sessions 8081 /data/bench/sessions"));
    }

    @Test
    void guestMemoryGrowsWithTheProcess() {
        assertEquals(1024, Bench.guestMemory(64));
        assertEquals(2048, Bench.guestMemory(1024));
        assertEquals(1024, Bench.dataDiskMiB(64));
        assertEquals(3072, Bench.dataDiskMiB(1024));
    }
}
