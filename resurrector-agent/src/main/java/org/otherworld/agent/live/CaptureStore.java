package org.otherworld.agent.live;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where captures (a vmcore with the ground truth recorded just before the crash, made by
 * {@code vm-test capture}) are kept for the tests that check the readers against real kernels:
 * {@code -Dotherworld.captures}, else {@code $OTHERWORLD_CACHE/captures}, else
 * {@code ~/.cache/otherworld/captures}. Captures are made on demand, never committed.
 */
public final class CaptureStore {
    private CaptureStore() {
    }

    public static Path root() {
        String p = System.getProperty("otherworld.captures");
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        String c = System.getenv("OTHERWORLD_CACHE");
        Path cache = c != null && !c.isBlank() ? Path.of(c) : Path.of(System.getProperty("user.home"), ".cache", "otherworld");
        return cache.resolve("captures");
    }

    /** Whether {@code dir} holds a complete capture. */
    public static boolean complete(Path dir) {
        return Files.isRegularFile(dir.resolve("vmcore")) && Files.isRegularFile(dir.resolve("groundtruth.json"))
                && Files.isRegularFile(dir.resolve("capture.json"));
    }

    /** The complete captures under {@link #root()}, sorted by name. */
    public static List<Path> available() {
        Path root = root();
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(CaptureStore::complete).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
