package org.otherworld.vmtest;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where things are: the repository (scripts, sources, built jars) and the cache of built guests.
 * The repository is {@code -Dotherworld.home} (set by the launcher), else found upwards from the
 * working directory; the cache is {@code $OTHERWORLD_CACHE}, else {@code ~/.cache/otherworld}.
 */
public record Workspace(Path home, Path cache) {

    public static Workspace detect() {
        String h = System.getProperty("otherworld.home");
        Path home = h != null ? Path.of(h) : findHome(Path.of("").toAbsolutePath());
        String c = System.getenv("OTHERWORLD_CACHE");
        Path cache = c != null && !c.isBlank() ? Path.of(c) : Path.of(System.getProperty("user.home"), ".cache", "otherworld");
        return new Workspace(home.toAbsolutePath().normalize(), cache.toAbsolutePath().normalize());
    }

    private static Path findHome(Path start) {
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("crash-kernel")) && Files.isRegularFile(p.resolve("pom.xml"))
                    && Files.isDirectory(p.resolve("vm-test"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the Otherworld repository above " + start
                + " (run through ./otherworld or set -Dotherworld.home)");
    }

    public Path agentJar() {
        return built("resurrector-agent", "otherworld-agent.jar");
    }

    public Path demosJar() {
        return built("demo-apps", "otherworld-demos.jar");
    }

    public Path crashKernelDir() {
        return home.resolve("crash-kernel");
    }

    public Path cSources() {
        return home.resolve("demo-apps/src/main/c");
    }

    private Path built(String module, String jar) {
        Path p = home.resolve(module).resolve("target").resolve(jar);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(p + " is missing: build with 'mvn -DskipTests package' (./otherworld does this)");
        }
        return p;
    }
}
