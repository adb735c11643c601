package org.otherworld.agent.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CRIU's own image tool (crit, from Debian's criu package) for the image tests: it decodes our images
 * with CRIU's protobuf definitions. Tests skip (with an assumption) when it is not installed.
 */
final class Crit {
    private Crit() {
    }

    /** crit's path on PATH, or null when it is not installed. */
    static String path() {
        String found = null;
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "crit"))) {
                found = Path.of(d, "crit").toString();
            }
        }
        return found;
    }

    /** Runs {@code cmd} (crit and its arguments); asserts it ends within 30 s with exit 0; its output. */
    static String run(String... cmd) throws Exception {
        return run(List.of(cmd));
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "crit timed out");
        String s = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + s);
        return s;
    }
}
