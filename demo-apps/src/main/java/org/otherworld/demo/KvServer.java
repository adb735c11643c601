package org.otherworld.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** TCP front end of the {@code kvstore} demo: one daemon thread per connection. */
final class KvServer implements AutoCloseable {
    private static final int MAX_LINE = 64 * 1024;
    private final ServerSocket server;
    private final KvProtocol protocol;
    private final Thread acceptor;

    KvServer(InetSocketAddress bind, KvStore store) throws IOException {
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(bind);
        this.protocol = new KvProtocol(store);
        this.acceptor = Acceptor.start(server, "kvstore", this::serve);
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve(Socket s) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
             Writer out = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                String reply = line.length() > MAX_LINE ? "ERR line too long" : protocol.handle(line);
                out.write(reply + "\n");
                out.flush();
                if (reply.equals(KvProtocol.BYE)) {
                    return;
                }
            }
        } catch (IOException e) {
            // client went away
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
