package org.otherworld.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Harness tools for {@code sessions}: {@code sessions-client HOST:PORT N ACK_FILE [DELAY_MS]}
 * creates N sessions and records each acknowledged one (id, user); {@code sessions-check HOST:PORT
 * ACK_FILE} verifies that every acknowledged session is still served.
 */
final class SessionClientTool {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final long RETRY_DEADLINE_MS = 60_000;
    private static final long RETRY_PAUSE_MS = 500;

    private SessionClientTool() {
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
    }

    private static URI uri(InetSocketAddress a, String pathAndQuery) {
        return URI.create("http://" + a.getHostString() + ":" + a.getPort() + pathAndQuery);
    }

    static void clientMain(String[] args) throws IOException, InterruptedException {
        if (args.length < 3) {
            System.err.println("usage: sessions-client HOST:PORT N ACK_FILE [DELAY_MS]");
            System.exit(2);
        }
        long delay = args.length > 3 ? Long.parseLong(args[3]) : 0;
        int acked = createSessions(DemoFiles.endpoint(args[0]), Integer.parseInt(args[1]), Path.of(args[2]), delay);
        System.out.println("sessions-client: acked=" + acked + " of " + args[1]);
    }

    /** Creates {@code n} sessions (retrying failed requests); returns how many were acknowledged. */
    static int createSessions(InetSocketAddress addr, int n, Path ackFile, long delayMs)
            throws IOException, InterruptedException {
        HttpClient http = client();
        int acked = 0;
        try (AckLog log = new AckLog(ackFile)) {
            for (int i = 0; i < n; i++) {
                String user = "user" + i;
                long deadline = System.currentTimeMillis() + RETRY_DEADLINE_MS;
                while (true) {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(addr, "/sessions?user=" + user))
                                .timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.noBody()).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 201) {
                            log.record(r.body().trim(), user);
                            acked++;
                        }
                        break;
                    } catch (IOException e) {
                        if (System.currentTimeMillis() > deadline) {
                            System.err.println("sessions-client: giving up on " + user + ": " + e.getMessage());
                            return acked;
                        }
                        Thread.sleep(RETRY_PAUSE_MS);
                    }
                }
                if (delayMs > 0) {
                    Thread.sleep(delayMs);
                }
            }
        }
        return acked;
    }

    static void checkMain(String[] args) throws IOException, InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: sessions-check HOST:PORT ACK_FILE");
            System.exit(2);
        }
        System.exit(check(DemoFiles.endpoint(args[0]), Path.of(args[1]), System.out) ? 0 : 1);
    }

    /** Verifies every acknowledged session; prints PASS/FAIL lines; returns true if all pass. */
    static boolean check(InetSocketAddress addr, Path ackFile, PrintStream out) throws IOException, InterruptedException {
        List<String[]> acks = AckLog.read(ackFile);
        HttpClient http = client();
        int bad = 0;
        try {
            out.println("INFO " + firstAnswer(http, addr).body().trim());
            for (String[] a : acks) {
                HttpResponse<String> r = get(http, addr, "/sessions/" + a[0]);
                String want = "user=" + a[1];
                if (r.statusCode() != 200 || !r.body().trim().equals(want)) {
                    if (++bad <= 20) {
                        out.println("FAIL session " + a[0] + ": expected 200 " + want + " got " + r.statusCode()
                                + " " + r.body().trim());
                    }
                }
            }
        } catch (IOException e) {
            out.println("FAIL cannot query server " + addr + ": " + e.getMessage());
            return false;
        }
        return verdict(bad, acks.size(), out);
    }

    /** Prints the verdict of a check of {@code total} acknowledged sessions, {@code bad} of them wrong. */
    static boolean verdict(int bad, int total, PrintStream out) {
        if (bad == 0) {
            out.println("PASS all " + total + " acknowledged sessions are served");
        } else {
            out.println("FAIL " + bad + " of " + total + " acknowledged sessions are missing or wrong");
        }
        return bad == 0;
    }

    /** How long a just-resurrected server may take to answer at all (its crash procedure reopens the socket). */
    static final java.time.Duration STARTUP = java.time.Duration.ofSeconds(90);

    /** The first request, retried until the server answers or {@link #STARTUP} has passed. */
    private static HttpResponse<String> firstAnswer(HttpClient http, InetSocketAddress addr)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (true) {
            try {
                return get(http, addr, "/stats");
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }

    private static HttpResponse<String> get(HttpClient http, InetSocketAddress addr, String path)
            throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(addr, path)).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
