package org.otherworld.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP front end of the {@code sessions} demo over a session map held in a {@link KvStore}
 * (session id to user name). Endpoints: {@code POST /sessions?user=NAME} (201, body: the new id),
 * {@code GET /sessions/ID} (200 {@code user=NAME} or 404), {@code GET /stats}
 * ({@code sessions=N acked=M checksum=HEX}). {@link #reopen()} replaces the listening socket.
 */
final class SessionServer implements AutoCloseable {
    private static final long OLD_SERVER_STOP_WAIT_MS = 2000;
    private static final int BIND_ATTEMPTS = 25;
    private static final long BIND_PAUSE_MS = 200;
    private final KvStore sessions;
    private final AtomicLong nextId = new AtomicLong(1);
    private final int port;
    private volatile HttpServer server;

    SessionServer(int port, KvStore sessions) throws IOException {
        this.sessions = sessions;
        this.nextId.set(sessions.size() + 1L);
        this.server = start(port);
        this.port = server.getAddress().getPort();
    }

    int port() {
        return port;
    }

    private HttpServer start(int p) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(p), 64);
        s.createContext("/sessions", this::sessions);
        s.createContext("/stats", ex -> reply(ex, 200, "sessions=" + sessions.size() + " acked=" + sessions.acked()
                + " checksum=" + sessions.checksum() + "\n"));
        s.start();
        return s;
    }

    private void sessions(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (ex.getRequestMethod().equals("POST") && path.equals("/sessions")) {
            String user = query(ex.getRequestURI().getRawQuery(), "user");
            if (user == null || user.isEmpty()) {
                reply(ex, 400, "missing user\n");
                return;
            }
            String id = "s" + nextId.getAndIncrement() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
            sessions.put(id, user);
            reply(ex, 201, id + "\n");
        } else if (ex.getRequestMethod().equals("GET") && path.startsWith("/sessions/")) {
            String user = sessions.get(path.substring("/sessions/".length()));
            if (user == null) {
                reply(ex, 404, "no such session\n");
            } else {
                reply(ex, 200, "user=" + user + "\n");
            }
        } else {
            reply(ex, 405, "unsupported\n");
        }
    }

    private static String query(String raw, String key) {
        if (raw == null) {
            return null;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && kv.substring(0, eq).equals(key)) {
                return URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
        ex.close();
    }

    /**
     * Stops the old server (without waiting more than 2 s: its sockets may be dead after a
     * resurrection) and listens again on the same port; retries binding for about 5 s.
     */
    synchronized void reopen() throws IOException, InterruptedException {
        HttpServer old = server;
        Thread stopper = new Thread(() -> old.stop(0), "sessions-stop-old");
        stopper.setDaemon(true);
        stopper.start();
        stopper.join(OLD_SERVER_STOP_WAIT_MS);
        IOException last = null;
        for (int i = 0; i < BIND_ATTEMPTS; i++) {
            try {
                server = start(port);
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(BIND_PAUSE_MS);
            }
        }
        throw new IOException("cannot listen again on port " + port + ": " + last.getMessage(), last);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
