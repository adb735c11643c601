package org.otherworld.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A blocking request/reply client for the {@code kvstore} line protocol. */
final class LineClient implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;
    private final Writer out;

    LineClient(InetSocketAddress addr, int timeoutMs) throws IOException {
        socket = new Socket();
        socket.connect(addr, timeoutMs);
        socket.setSoTimeout(timeoutMs);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
    }

    String request(String line) throws IOException {
        out.write(line + "\n");
        out.flush();
        String reply = in.readLine();
        if (reply == null) {
            throw new IOException("connection closed by server");
        }
        return reply;
    }

    int localPort() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
