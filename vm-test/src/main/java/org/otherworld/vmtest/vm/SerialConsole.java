package org.otherworld.vmtest.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The guest's serial console, driven programmatically: everything the guest prints is kept (and
 * written to a log file as it arrives), commands are sent as lines, and every wait has a deadline.
 */
public final class SerialConsole implements AutoCloseable {
    private final StringBuilder buffer = new StringBuilder();
    private final OutputStream toGuest;
    private final Writer log;
    private final Consumer<String> progress;
    private final Thread reader;
    private int consumed;
    private int commandSeq;
    private volatile boolean eof;

    /** Thrown when a wait runs past its deadline; carries the tail of the console. */
    public static final class TimeoutException extends RuntimeException {
        public TimeoutException(String what, Duration timeout, String tail) {
            super("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; console tail:\n" + tail);
        }
    }

    /** Result of a shell command run on the console. */
    public record CommandResult(int exit, String output) {
    }

    public SerialConsole(InputStream fromGuest, OutputStream toGuest, Path logFile, Consumer<String> progress) {
        this.toGuest = toGuest;
        this.progress = progress;
        try {
            this.log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write console log " + logFile, e);
        }
        this.reader = new Thread(() -> pump(fromGuest), "serial-console");
        reader.setDaemon(true);
        reader.start();
    }

    private void pump(InputStream in) {
        byte[] buf = new byte[8192];
        StringBuilder line = new StringBuilder();
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                String s = new String(buf, 0, n, StandardCharsets.ISO_8859_1).replace("\r", "");
                synchronized (this) {
                    buffer.append(s);
                    notifyAll();
                }
                synchronized (log) {
                    log.write(s);
                    log.flush();
                }
                for (char c : s.toCharArray()) {
                    if (c == '\n') {
                        String l = line.toString();
                        if (l.startsWith("OW-") || l.contains("Kernel panic") || l.contains("---[ end")) {
                            progress.accept("  guest| " + l);
                        }
                        line.setLength(0);
                    } else if (line.length() < 4096) {
                        line.append(c);
                    }
                }
            }
        } catch (IOException ignored) {
            // the VM is gone
        } finally {
            eof = true;
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Everything the guest printed so far. */
    public synchronized String all() {
        return buffer.toString();
    }

    public boolean closed() {
        return eof;
    }

    /**
     * Waits until the output after the last consumed position matches {@code regex}; consumes up to
     * the end of the match and returns the matcher (groups available). Only complete lines are
     * matched, so a pattern never sees half of a line that is still arriving (a marker cut off as
     * "OW-CRASH handover-k" or a number as "code=1" of "code=12").
     */
    public synchronized Matcher waitFor(String what, Pattern regex, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = regex.matcher(buffer);
            int complete = buffer.lastIndexOf("\n") + 1;
            m.region(Math.min(consumed, complete), complete);
            m.useAnchoringBounds(false);
            m.useTransparentBounds(true);
            if (m.find()) {
                consumed = m.end();
                return m;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || eof) {
                String tail = buffer.substring(Math.max(0, buffer.length() - 3000));
                if (eof && left > 0) {
                    throw new TimeoutException(what + " (the VM exited)", timeout, tail);
                }
                throw new TimeoutException(what, timeout, tail);
            }
            try {
                wait(Math.max(1, Math.min(left / 1_000_000, 500)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }

    /** Waits for a literal marker. */
    public Matcher waitFor(String literal, Duration timeout) {
        return waitFor(literal, Pattern.compile(Pattern.quote(literal)), timeout);
    }

    public void send(String line) {
        try {
            toGuest.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            toGuest.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to the guest console", e);
        }
    }

    /**
     * Runs a shell command on the guest's console shell and returns its exit status and output. The end
     * marker is built so that the echoed command line itself cannot match it.
     */
    public CommandResult run(String command, Duration timeout) {
        int seq = ++commandSeq;
        String begin = "OWCMD" + seq + "B";
        String end = "OWCMD" + seq + "E";
        // "OWCMD" "7B" in the echo does not contain OWCMD7B literally
        // the blank echo ends output that lacks a final newline, so the end marker starts a line
        send("echo OWCMD\"\"" + seq + "B; " + command + "; owrc=$?; echo; echo OWCMD\"\"" + seq + "E$owrc");
        waitFor("start of `" + command + "`", Pattern.compile("(?m)^" + begin + "$"), timeout);
        Matcher m = waitFor("end of `" + command + "`", Pattern.compile("(?s)(.*?)^" + end + "(\\d+)$", Pattern.MULTILINE), timeout);
        String out = m.group(1).strip();
        return new CommandResult(Integer.parseInt(m.group(2)), out);
    }

    /** Runs a command that must succeed. */
    public String check(String command, Duration timeout) {
        CommandResult r = run(command, timeout);
        if (r.exit() != 0) {
            throw new IllegalStateException("guest command failed (exit " + r.exit() + "): " + command + "\n" + r.output());
        }
        return r.output();
    }

    @Override
    public void close() {
        try {
            reader.join(2000);
            synchronized (log) {
                log.flush();
                log.close();
            }
        } catch (IOException | InterruptedException ignored) {
            // best effort
        }
    }
}
