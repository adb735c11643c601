package org.otherworld.vmtest.trial;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The host client against a local tcpecho stand-in that pauses (or misbehaves) once. */
class TcpEchoClientTest {
    /** Answers like tcpecho; after {@code pauseAt} lines it stops answering for 1.5 s; {@code skip} drops one line. */
    static Thread server(ServerSocket ss, int pauseAt, int skip) {
        return server(ss, pauseAt, skip, 0, 0);
    }

    /**
     * As above, and like tcpecho it serves one connection only (the listening socket is closed once one
     * is accepted); the first answer comes {@code firstDelayMs} late, and with {@code splitMs} > 0 every
     * answer is sent in two pieces that far apart.
     */
    static Thread server(ServerSocket ss, int pauseAt, int skip, long firstDelayMs, long splitMs) {
        Thread t = new Thread(() -> {
            try (Socket c = ss.accept()) {
                ss.close();
                BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = c.getOutputStream();
                long count = 0;
                for (String l; (l = in.readLine()) != null; ) {
                    count++;
                    if (count == pauseAt) {
                        Thread.sleep(1500);
                    }
                    if (count == skip) {
                        continue;
                    }
                    if (count == 1) {
                        Thread.sleep(firstDelayMs);
                    }
                    byte[] answer = (count + " " + l + "\n").getBytes(StandardCharsets.US_ASCII);
                    if (splitMs > 0) {
                        out.write(answer, 0, 2);
                        out.flush();
                        Thread.sleep(splitMs);
                        out.write(answer, 2, answer.length - 2);
                    } else {
                        out.write(answer);
                    }
                    out.flush();
                    if (l.equals("bye")) {
                        return;
                    }
                }
            } catch (Exception e) {
                // the client's verdict is what is tested
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void everyLineAnsweredInOrderAcrossAPause() throws Exception {
        try (ServerSocket ss = new ServerSocket(0)) {
            server(ss, 5, -1);
            TcpEchoClient c = new TcpEchoClient(ss.getLocalPort(), 3, 30_000, 1000);
            c.run();
            assertTrue(c.passed(), c.summary());
            assertTrue(c.summary().contains("outage: no answer for 1.") && c.summary().contains("resumed at answer 4"),
                    c.summary());
        }
    }

    @Test
    void aLostLineIsSeen() throws Exception {
        try (ServerSocket ss = new ServerSocket(0)) {
            server(ss, 5, 8);
            TcpEchoClient c = new TcpEchoClient(ss.getLocalPort(), 10, 30_000, 1000);
            c.run();
            assertFalse(c.passed(), c.summary());
            assertTrue(c.summary().contains("answer 7 was"), c.summary());
        }
    }

    /**
     * A first answer slower than any read timeout must not make the client drop the connection and dial
     * again: the server (like tcpecho, and like QEMU's user network which connects to the guest later)
     * serves the first connection it accepts and no other.
     */
    @Test
    void aSlowFirstAnswerKeepsTheOnlyConnection() throws Exception {
        try (ServerSocket ss = new ServerSocket(0)) {
            server(ss, 5, -1, 3500, 0);
            TcpEchoClient c = new TcpEchoClient(ss.getLocalPort(), 2, 30_000, 1000);
            c.run();
            assertTrue(c.passed(), c.summary());
            assertTrue(c.summary().contains("connected (attempt 1)"), c.summary());
        }
    }

    /** Answers arriving in two segments, the second after the client's 200 ms read timeout, are read whole. */
    @Test
    void anAnswerSplitAcrossAReadTimeoutIsReadWhole() throws Exception {
        try (ServerSocket ss = new ServerSocket(0)) {
            server(ss, 5, -1, 0, 350);
            TcpEchoClient c = new TcpEchoClient(ss.getLocalPort(), 3, 30_000, 1000);
            c.run();
            assertTrue(c.passed(), c.summary());
        }
    }
}
