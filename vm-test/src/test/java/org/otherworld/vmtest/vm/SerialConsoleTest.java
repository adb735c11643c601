package org.otherworld.vmtest.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives a local shell through the same protocol the guest console uses. */
class SerialConsoleTest {
    @TempDir
    Path tmp;
    Process sh;
    SerialConsole c;
    final List<String> progress = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        // like the guest: the shell's input is echoed back (stty echo), markers printed by the shell
        sh = new ProcessBuilder("sh", "-c", "echo OW-MAIN booted uptime=1.0; exec sh -v 2>&1").redirectErrorStream(true).start();
        c = new SerialConsole(sh.getInputStream(), sh.getOutputStream(), tmp.resolve("console.log"), progress::add);
    }

    @AfterEach
    void stop() {
        sh.destroyForcibly();
        c.close();
    }

    @Test
    void runsCommandsAndReturnsStatusAndOutput() {
        c.waitFor("OW-MAIN booted", Duration.ofSeconds(10));
        SerialConsole.CommandResult r = c.run("echo hello; echo world", Duration.ofSeconds(10));
        assertEquals(0, r.exit());
        assertTrue(r.output().endsWith("hello\nworld"), r.output());
        assertEquals(3, c.run("(exit 3)", Duration.ofSeconds(10)).exit());
        // output without a final newline still ends cleanly
        assertTrue(c.check("printf abc", Duration.ofSeconds(10)).endsWith("abc"));
        assertThrows(IllegalStateException.class, () -> c.check("false", Duration.ofSeconds(10)));
        assertTrue(progress.stream().anyMatch(l -> l.contains("OW-MAIN booted")), progress.toString());
    }

    @Test
    void everyWaitHasADeadline() throws Exception {
        long t0 = System.nanoTime();
        SerialConsole.TimeoutException e = assertThrows(SerialConsole.TimeoutException.class,
                () -> c.run("sleep 5", Duration.ofMillis(700)));
        assertTrue((System.nanoTime() - t0) / 1e9 < 4, "waited too long");
        assertTrue(e.getMessage().contains("sleep 5"));
        assertTrue(Files.readString(tmp.resolve("console.log")).contains("OW-MAIN booted") || c.all().contains("OW-MAIN"));
    }

    @Test
    void reportsThatTheMachineWentAway() {
        c.send("exit");
        SerialConsole.TimeoutException e = assertThrows(SerialConsole.TimeoutException.class,
                () -> c.waitFor("never", Pattern.compile("NEVER"), Duration.ofSeconds(20)));
        assertTrue(e.getMessage().contains("VM exited"), e.getMessage());
    }
}
