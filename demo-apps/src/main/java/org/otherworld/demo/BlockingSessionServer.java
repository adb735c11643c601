package org.otherworld.demo;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The {@code sessions} demo's front end without an NIO selector ({@code sessions ... --no-crash-procedure}):
 * a {@link ServerSocket} and one thread per persistent HTTP/1.1 connection ({@link MiniHttp}), all in
 * blocking system calls. Its only kernel objects are TCP sockets, which the resurrection restores (the
 * listening socket and established connections), so the process needs no crash procedure.
 */
final class BlockingSessionServer implements AutoCloseable {
    private final ServerSocket server;
    private final SessionRoutes routes;

    BlockingSessionServer(int port, KvStore sessions) throws IOException {
        this.routes = new SessionRoutes(sessions);
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(port), 64);
        Acceptor.start(server, "sessions", this::serve);
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve(Socket s) {
        try (s; InputStream in = new BufferedInputStream(s.getInputStream());
             OutputStream out = new BufferedOutputStream(s.getOutputStream())) {
            for (MiniHttp.Request r; (r = MiniHttp.readRequest(in)) != null; ) {
                SessionRoutes.Reply reply = routes.handle(r.method(), r.path(), r.rawQuery());
                MiniHttp.writeResponse(out, reply.status(), reply.body());
                if (r.close()) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away or sent something that is not HTTP/1.1
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
