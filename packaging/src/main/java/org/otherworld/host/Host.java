package org.otherworld.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The machine the host tool looks at: its files under a root directory ({@code /} in production, a
 * temporary tree in tests) and the commands it runs (kexec, makedumpfile).
 */
public class Host {
    /** What a command printed and how it ended. */
    public record Result(int code, String output) {
        public boolean ok() {
            return code == 0;
        }
    }

    private final Path root;

    public Host(Path root) {
        this.root = root;
    }

    /** The running machine. */
    public static Host system() {
        return new Host(Path.of("/"));
    }

    /** {@code absolute} (a path starting with /) on this host. */
    public Path path(String absolute) {
        if (!absolute.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute path: " + absolute);
        }
        return root.resolve(absolute.substring(1));
    }

    /** The file's text, or empty when it does not exist or cannot be read. */
    public Optional<String> read(String absolute) {
        Path p = path(absolute);
        try {
            return Files.isReadable(p) ? Optional.of(Files.readString(p, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public boolean exists(String absolute) {
        return Files.exists(path(absolute));
    }

    /** The first of {@code candidates} that exists on this host, as its absolute name. */
    public Optional<String> firstExisting(String... candidates) {
        for (String c : candidates) {
            if (exists(c)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** Runs {@code command} (stdout and stderr together), waiting at most {@code timeoutSeconds}. */
    public Result run(List<String> command, long timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(124, command.get(0) + ": timed out after " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return new Result(127, command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, command.get(0) + ": interrupted");
        }
    }
}
