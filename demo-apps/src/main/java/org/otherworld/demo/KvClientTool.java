package org.otherworld.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * Harness tools for {@code kvstore}: {@code kvstore-client HOST:PORT N ACK_FILE [DELAY_MS] [PREFIX]}
 * puts N keys and records each acknowledged one; {@code kvstore-check HOST:PORT ACK_FILE} verifies
 * that every acknowledged key is still served with its value.
 */
final class KvClientTool {
    private static final int IO_TIMEOUT_MS = 5000;
    private static final long RETRY_DEADLINE_MS = 60_000;
    private static final long RETRY_PAUSE_MS = 500;

    private KvClientTool() {
    }

    static void clientMain(String[] args) throws IOException, InterruptedException {
        if (args.length < 3) {
            System.err.println("usage: kvstore-client HOST:PORT N ACK_FILE [DELAY_MS] [PREFIX]");
            System.exit(2);
        }
        long delay = args.length > 3 ? Long.parseLong(args[3]) : 0;
        String prefix = args.length > 4 ? args[4] : "k";
        int acked = putKeys(DemoFiles.endpoint(args[0]), Integer.parseInt(args[1]), Path.of(args[2]), delay, prefix);
        System.out.println("kvstore-client: acked=" + acked + " of " + args[1]);
    }

    /** Puts {@code n} keys, reconnecting on errors; returns how many were acknowledged. */
    static int putKeys(InetSocketAddress addr, int n, Path ackFile, long delayMs, String prefix)
            throws IOException, InterruptedException {
        int acked = 0;
        LineClient c = null;
        try (AckLog log = new AckLog(ackFile)) {
            for (int i = 0; i < n; i++) {
                String key = prefix + "-" + i;
                String value = "value-" + i + "-" + Long.toHexString(key.hashCode() * 2654435761L);
                long deadline = System.currentTimeMillis() + RETRY_DEADLINE_MS;
                while (true) {
                    try {
                        if (c == null) {
                            c = new LineClient(addr, IO_TIMEOUT_MS);
                        }
                        if (c.request("PUT " + key + " " + value).equals("OK")) {
                            log.record(key, value);
                            acked++;
                        }
                        break;
                    } catch (IOException e) {
                        closeQuietly(c);
                        c = null;
                        if (System.currentTimeMillis() > deadline) {
                            System.err.println("kvstore-client: giving up on " + key + ": " + e.getMessage());
                            return acked;
                        }
                        Thread.sleep(RETRY_PAUSE_MS);
                    }
                }
                if (delayMs > 0) {
                    Thread.sleep(delayMs);
                }
            }
        } finally {
            closeQuietly(c);
        }
        return acked;
    }

    private static void closeQuietly(LineClient c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    static void checkMain(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: kvstore-check HOST:PORT ACK_FILE");
            System.exit(2);
        }
        System.exit(check(DemoFiles.endpoint(args[0]), Path.of(args[1]), System.out) ? 0 : 1);
    }

    /** How long a just-resurrected server may take to accept again (a restart re-executes its JVM). */
    static final long STARTUP_MS = 90_000;

    /** Connects, retrying until the server accepts or {@code ms} have passed. */
    static LineClient connectWithin(InetSocketAddress addr, long ms) throws IOException {
        long deadline = System.nanoTime() + ms * 1_000_000;
        while (true) {
            try {
                return new LineClient(addr, IO_TIMEOUT_MS);
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Verifies every acknowledged key; prints PASS/FAIL lines; returns true if all pass. */
    static boolean check(InetSocketAddress addr, Path ackFile, PrintStream out) throws IOException {
        List<String[]> acks = AckLog.read(ackFile);
        java.util.Map<String, String> expected = new java.util.LinkedHashMap<>();
        for (String[] a : acks) {
            expected.put(a[0], a[1]);
        }
        int bad = 0;
        try (LineClient c = connectWithin(addr, STARTUP_MS)) {
            out.println("INFO " + c.request("COUNT") + " " + c.request("CHECKSUM") + " " + c.request("ACKED"));
            for (java.util.Map.Entry<String, String> e : expected.entrySet()) {
                String reply = c.request("GET " + e.getKey());
                if (!reply.equals("VALUE " + e.getValue())) {
                    if (++bad <= 20) {
                        out.println("FAIL key " + e.getKey() + ": expected VALUE " + e.getValue() + " got " + reply);
                    }
                }
            }
            String count = c.request("COUNT");
            long served = Long.parseLong(count.substring("COUNT ".length()));
            if (served < expected.size()) {
                out.println("FAIL server holds " + served + " keys, fewer than " + expected.size() + " acknowledged");
                bad++;
            }
        } catch (IOException e) {
            out.println("FAIL cannot query server " + addr + ": " + e.getMessage());
            return false;
        }
        if (bad == 0) {
            out.println("PASS all " + expected.size() + " acknowledged keys are served with their values");
        } else {
            out.println("FAIL " + bad + " problems among " + expected.size() + " acknowledged keys");
        }
        return bad == 0;
    }
}
