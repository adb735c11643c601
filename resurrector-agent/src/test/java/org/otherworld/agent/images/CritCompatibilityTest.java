package org.otherworld.agent.images;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decodes our images with CRIU's own tool (crit, from Debian's criu package): it parses every image
 * with CRIU's protobuf definitions. Skipped when crit is not installed.
 */
class CritCompatibilityTest {
    @TempDir
    Path dir;

    @Test
    void critDecodesEveryImage() throws Exception {
        String crit = Crit.path();
        Assumptions.assumeTrue(crit != null, "crit not installed (Debian package criu): skipping CRIU decode check");
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, SyntheticTree.tree());
        List<String> decoded = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith("pages-")) {
                    continue; // raw page data, not a protobuf image
                }
                String json = Crit.run(List.of(crit, "decode", "--pretty", "-i", f.toString()));
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
        String ps = Crit.run(List.of(crit, "x", dir.toString(), "ps"));
        assertTrue(ps.contains("102    100    100       child"), ps);
        String mems = Crit.run(List.of(crit, "x", dir.toString(), "mems"));
        assertTrue(mems.contains("00600000-00602000                   rw- /usr/bin/demo + 0x2000"), mems);
    }
}
