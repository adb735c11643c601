package org.otherworld.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The simplest JVM workload: a counter kept in a field and on the heap, advanced every
 * {@code periodMs} and published to a status file with an atomic rename. A resurrected counter must
 * continue from the value it had, never from zero and never going back.
 *
 * <p>Usage: {@code counter STATUS_FILE [PERIOD_MS]}.
 */
public final class Counter {
    private long value;
    private final long[] history = new long[1024];

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: counter STATUS_FILE [PERIOD_MS]");
            System.exit(2);
        }
        Path status = Path.of(args[0]);
        long period = args.length > 1 ? Long.parseLong(args[1]) : 200;
        new Counter().run(status, period);
    }

    private void run(Path status, long periodMs) throws IOException, InterruptedException {
        Path tmp = status.resolveSibling(status.getFileName() + ".tmp");
        while (true) {
            value++;
            history[(int) (value % history.length)] = value;
            Files.write(tmp, (value + "\n").getBytes(StandardCharsets.US_ASCII));
            Files.move(tmp, status, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(periodMs);
        }
    }
}
