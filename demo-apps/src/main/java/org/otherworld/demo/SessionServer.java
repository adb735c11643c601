package org.otherworld.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * HTTP front end of the {@code sessions} demo (JDK HttpServer, an NIO selector: epoll and eventfd)
 * over a session map held in a {@link KvStore} (session id to user name); requests in
 * {@link SessionRoutes}. {@link #reopen()} replaces the listening socket.
 */
final class SessionServer implements AutoCloseable {
    private static final long OLD_SERVER_STOP_WAIT_MS = 2000;
    private static final int BIND_ATTEMPTS = 25;
    private static final long BIND_PAUSE_MS = 200;
    private final SessionRoutes routes;
    private final int port;
    private volatile HttpServer server;

    SessionServer(int port, KvStore sessions) throws IOException {
        this.routes = new SessionRoutes(sessions);
        this.server = start(port);
        this.port = server.getAddress().getPort();
    }

    int port() {
        return port;
    }

    private HttpServer start(int p) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(p), 64);
        s.createContext("/sessions", this::serve);
        s.createContext("/stats", this::serve);
        s.start();
        return s;
    }

    private void serve(HttpExchange ex) throws IOException {
        SessionRoutes.Reply r = routes.handle(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                ex.getRequestURI().getRawQuery());
        byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(r.status(), b.length);
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
