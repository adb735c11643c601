package org.otherworld.agent.images;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decodes our images with CRIU's own tool (crit, from Debian's criu package): it parses every image
 * with CRIU's protobuf definitions. Skipped when crit is not installed.
 */
class CritCompatibilityTest {
    @TempDir
    Path dir;

    private static String crit() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "crit"))) {
                return Path.of(d, "crit").toString();
            }
        }
        return null;
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "crit timed out");
        String s = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + s);
        return s;
    }

    @Test
    void critDecodesEveryImage() throws Exception {
        String crit = crit();
        Assumptions.assumeTrue(crit != null, "crit not installed (Debian package criu): skipping CRIU decode check");
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, SyntheticTree.tree());
        List<String> decoded = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith("pages-")) {
                    continue; // raw page data, not a protobuf image
                }
                String json = run(List.of(crit, "decode", "--pretty", "-i", f.toString()));
                decoded.add(name);
                if (name.equals("core-100.img")) {
                    assertTrue(json.contains("\"comm\": \"demo\""), "comm in " + name);
                    assertTrue(json.contains("\"ip\": \"0x400100\""), "ip in " + name);
                    assertTrue(json.contains("\"futex_rla_len\": 24"), "futex_rla_len in " + name);
                }
                if (name.equals("pagemap-100.img")) {
                    assertTrue(json.contains("\"vaddr\": \"0x1000000\""), "heap run in " + name);
                    assertTrue(json.contains("\"pages_id\": 1"), "pages_id in " + name);
                }
            }
        }
        assertEquals(16, decoded.size());
        String ps = run(List.of(crit, "x", dir.toString(), "ps"));
        assertTrue(ps.contains("102    100    100       child"), ps);
        String mems = run(List.of(crit, "x", dir.toString(), "mems"));
        assertTrue(mems.contains("00600000-00602000                   rw- /usr/bin/demo + 0x2000"), mems);
    }
}
