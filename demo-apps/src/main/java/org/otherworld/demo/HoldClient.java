package org.otherworld.demo;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Clients that hold ONE connection to a demo server across a kernel panic (the demos' no-crash-procedure
 * mode), in blocking socket calls only (no NIO selector), so they are restored whole too:
 *
 * <ul>
 *   <li>{@code kvstore-hold HOST:PORT DIR [DELAY_MS]}: over one {@link LineClient} connection, request
 *       i puts {@code h-i} and reads back an earlier acknowledged key, checking its value;</li>
 *   <li>{@code sessions-hold HOST:PORT DIR [DELAY_MS]}: over one persistent HTTP/1.1 connection
 *       ({@link MiniHttp}), request i creates a session for {@code u-i} and reads back an earlier one;</li>
 * </ul>
 * every acknowledgement goes to {@code DIR/acked.txt} ({@link AckLog}), {@code DIR/progress} says
 * {@code requests N port P} (P: the connection's local port) about every second; the client never
 * reconnects: an error, a wrong answer or a closed connection is written to {@code DIR/error} and ends it.
 * {@code hold-check kvstore|sessions HOST:PORT DIR [PRE]} passes when there is no error, the same
 * connection (the port of PRE, the progress line before the crash) has gone on past PRE's count and
 * still advances, and every acknowledged entry is served over a new connection.
 */
final class HoldClient {
    static final int IO_TIMEOUT_MS = 60_000;
    static final long CONNECT_DEADLINE_MS = 120_000;
    static final long PROGRESS_EVERY_MS = 1000;

    /** One request/reply exchange over the held connection: puts or creates entry i, verifies an earlier one. */
    interface Protocol extends AutoCloseable {
        /** Creates entry {@code i}; returns the acknowledged (key, value) pair. */
        String[] create(int i) throws IOException;

        /** Reads entry {@code key}; returns its value or null if the server does not have it. */
        String read(String key) throws IOException;

        int localPort();

        @Override
        void close() throws IOException;
    }

    private HoldClient() {
    }

    static void holdMain(String kind, String[] args) throws IOException, InterruptedException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: " + kind + "-hold HOST:PORT DIR [DELAY_MS]");
            System.exit(2);
        }
        InetSocketAddress addr = DemoFiles.endpoint(args[0]);
        Path dir = Path.of(args[1]);
        long delay = args.length > 2 ? Long.parseLong(args[2]) : 100;
        Files.createDirectories(dir);
        Protocol p;
        try {
            p = connect(kind, addr);
        } catch (IOException e) {
            fail(dir, "cannot connect to " + addr + ": " + e.getMessage());
            return;
        }
        System.out.println(kind + "-hold: connected from local port " + p.localPort());
        System.out.flush();
        try {
            run(p, dir, delay, Long.MAX_VALUE);
        } catch (IOException e) {
            fail(dir, e.getMessage());
        }
    }

    private static void fail(Path dir, String message) throws IOException {
        System.err.println("hold client: " + message);
        DemoFiles.writeAtomically(dir.resolve("error"), message + "\n");
        System.exit(1);
    }

    /** Connects, retrying while the server starts. */
    static Protocol connect(String kind, InetSocketAddress addr) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + CONNECT_DEADLINE_MS;
        while (true) {
            try {
                return kind.equals("kvstore") ? new KvHold(addr) : new SessionsHold(addr);
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    /**
     * Runs {@code requests} exchanges (or forever) over {@code p}: create entry i, record it, read back
     * entry i/2 and compare. Throws on the first error, naming the request.
     */
    static int run(Protocol p, Path dir, long delayMs, long requests) throws IOException, InterruptedException {
        List<String[]> acked = new ArrayList<>();
        long lastProgress = 0;
        int i = 0;
        try (AckLog log = new AckLog(dir.resolve("acked.txt"))) {
            for (; i < requests; i++) {
                String[] kv = p.create(i);
                log.record(kv[0], kv[1]);
                acked.add(kv);
                String[] earlier = acked.get(i / 2);
                String got = p.read(earlier[0]);
                if (!earlier[1].equals(got)) {
                    throw new IOException("request " + i + ": " + earlier[0] + " reads " + got + ", expected " + earlier[1]);
                }
                long now = System.nanoTime() / 1_000_000;
                if (now - lastProgress >= PROGRESS_EVERY_MS) {
                    DemoFiles.writeAtomically(dir.resolve("progress"), "requests " + (i + 1) + " port " + p.localPort() + "\n");
                    lastProgress = now;
                }
                if (delayMs > 0) {
                    Thread.sleep(delayMs);
                }
            }
        } catch (IOException e) {
            throw new IOException("request " + i + " on the connection from port " + p.localPort() + ": " + e.getMessage(), e);
        }
        DemoFiles.writeAtomically(dir.resolve("progress"), "requests " + i + " port " + p.localPort() + "\n");
        return i;
    }

    /** The kvstore line protocol over one connection. */
    static final class KvHold implements Protocol {
        private final LineClient c;

        KvHold(InetSocketAddress addr) throws IOException {
            c = new LineClient(addr, IO_TIMEOUT_MS);
        }

        @Override
        public String[] create(int i) throws IOException {
            String key = "h-" + i;
            String value = "held-" + i + "-" + Long.toHexString(key.hashCode() * 2654435761L);
            String r = c.request("PUT " + key + " " + value);
            if (!r.equals("OK")) {
                throw new IOException("PUT " + key + " answered " + r);
            }
            return new String[] {key, value};
        }

        @Override
        public String read(String key) throws IOException {
            String r = c.request("GET " + key);
            return r.startsWith("VALUE ") ? r.substring("VALUE ".length()) : null;
        }

        @Override
        public int localPort() {
            return c.localPort();
        }

        @Override
        public void close() throws IOException {
            c.close();
        }
    }

    /** The sessions HTTP requests over one persistent connection. */
    static final class SessionsHold implements Protocol {
        private final Socket s;
        private final InputStream in;
        private final OutputStream out;

        SessionsHold(InetSocketAddress addr) throws IOException {
            s = new Socket();
            try {
                s.connect(addr, IO_TIMEOUT_MS);
                s.setSoTimeout(IO_TIMEOUT_MS);
                in = new BufferedInputStream(s.getInputStream());
                out = new BufferedOutputStream(s.getOutputStream());
            } catch (IOException e) {
                s.close();
                throw e;
            }
        }

        @Override
        public String[] create(int i) throws IOException {
            String user = "u-" + i;
            MiniHttp.writeRequest(out, "POST", "/sessions?user=" + user);
            MiniHttp.Response r = MiniHttp.readResponse(in);
            if (r.status() != 201) {
                throw new IOException("POST for " + user + " answered " + r.status() + " " + r.body().trim());
            }
            return new String[] {r.body().trim(), user};
        }

        @Override
        public String read(String id) throws IOException {
            MiniHttp.writeRequest(out, "GET", "/sessions/" + id);
            MiniHttp.Response r = MiniHttp.readResponse(in);
            String body = r.body().trim();
            return r.status() == 200 && body.startsWith("user=") ? body.substring("user=".length()) : null;
        }

        @Override
        public int localPort() {
            return s.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    /** {@code requests N port P} from a progress line: {N, P}, or null when it is not one. */
    static long[] parseProgress(String line) {
        if (line == null) {
            return null;
        }
        String[] f = line.trim().split(" ");
        if (f.length != 4 || !f[0].equals("requests") || !f[2].equals("port")) {
            return null;
        }
        try {
            return new long[] {Long.parseLong(f[1]), Long.parseLong(f[3])};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static void checkMain(String[] args) throws IOException, InterruptedException {
        if (args.length < 3 || args.length > 4 || !(args[0].equals("kvstore") || args[0].equals("sessions"))) {
            System.err.println("usage: hold-check kvstore|sessions HOST:PORT DIR [PRE]");
            System.exit(2);
        }
        boolean ok = check(args[0], DemoFiles.endpoint(args[1]), Path.of(args[2]), args.length > 3 ? args[3] : "",
                3000, System.out);
        System.exit(ok ? 0 : 1);
    }

    /**
     * The check after resurrection: no error, the held connection (same local port as before the crash)
     * went past the pre-crash count and still advances within {@code waitMs}, and every acknowledged
     * entry is served over a new connection.
     */
    static boolean check(String kind, InetSocketAddress addr, Path dir, String pre, long waitMs, PrintStream out)
            throws IOException, InterruptedException {
        Path error = dir.resolve("error");
        if (Files.exists(error)) {
            out.println("FAIL the client stopped: " + Files.readString(error).trim());
            return false;
        }
        long[] before = parseProgress(pre);
        long[] a = parseProgress(read(dir.resolve("progress")));
        Thread.sleep(waitMs);
        long[] b = parseProgress(read(dir.resolve("progress")));
        if (Files.exists(error)) {
            out.println("FAIL the client stopped: " + Files.readString(error).trim());
            return false;
        }
        if (a == null || b == null) {
            out.println("FAIL no progress line in " + dir.resolve("progress"));
            return false;
        }
        boolean ok = true;
        if (before != null) {
            out.println("INFO before the crash: " + before[0] + " requests on the connection from port " + before[1]);
            if (before[1] != b[1]) {
                out.println("FAIL the client is on another connection (port " + b[1] + ", was " + before[1] + ")");
                ok = false;
            }
            if (b[0] <= before[0]) {
                out.println("FAIL no request completed after the crash (" + b[0] + ", was " + before[0] + ")");
                ok = false;
            }
        }
        out.println("INFO " + a[0] + " requests, then " + b[0] + " " + waitMs + " ms later, on the connection from port "
                + b[1]);
        if (b[0] <= a[0]) {
            out.println("FAIL the held connection does not advance");
            ok = false;
        }
        ok &= kind.equals("kvstore") ? KvClientTool.check(addr, dir.resolve("acked.txt"), out)
                : checkSessions(addr, dir.resolve("acked.txt"), out);
        if (ok) {
            out.println("PASS the same connection kept working and every acknowledged entry is served");
        }
        return ok;
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : null;
    }

    /** Every acknowledged session, read over one new persistent connection. */
    static boolean checkSessions(InetSocketAddress addr, Path ackFile, PrintStream out) throws IOException, InterruptedException {
        List<String[]> acks = AckLog.read(ackFile);
        int bad = 0;
        try (SessionsHold c = (SessionsHold) connect("sessions", addr)) {
            for (String[] a : acks) {
                String got = c.read(a[0]);
                if (!a[1].equals(got) && ++bad <= 20) {
                    out.println("FAIL session " + a[0] + ": expected user=" + a[1] + " got " + got);
                }
            }
        } catch (IOException e) {
            out.println("FAIL cannot query server " + addr + ": " + e.getMessage());
            return false;
        }
        return SessionClientTool.verdict(bad, acks.size(), out);
    }
}
