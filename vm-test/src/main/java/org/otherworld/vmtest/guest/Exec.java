package org.otherworld.vmtest.guest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host command with a time limit and returns its output; a failure names the command. */
public final class Exec {
    private Exec() {
    }

    /** Result of a finished command. */
    public record Result(int exit, String stdout, String stderr) {
    }

    public static Result run(List<String> cmd, Path dir, long timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Process p = pb.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread to = pump(p.getInputStream(), out);
            Thread te = pump(p.getErrorStream(), err);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("command timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd));
            }
            to.join();
            te.join();
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        }
    }

    /** Runs a command that must succeed; returns its standard output. */
    public static String check(List<String> cmd, Path dir, long timeoutSeconds) {
        Result r = run(cmd, dir, timeoutSeconds);
        if (r.exit() != 0) {
            throw new IllegalStateException("command failed (exit " + r.exit() + "): " + String.join(" ", cmd)
                    + "\n" + r.stderr().strip());
        }
        return r.stdout();
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(sink);
            } catch (IOException ignored) {
                // the process is gone; what was read is kept
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }
}
