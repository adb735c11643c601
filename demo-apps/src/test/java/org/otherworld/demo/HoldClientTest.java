package org.otherworld.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HoldClientTest {
    @TempDir
    Path dir;

    private static String run(Check c) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        c.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
        return buf.toString(StandardCharsets.UTF_8);
    }

    interface Check {
        void run(PrintStream out) throws Exception;
    }

    @Test
    void sessionsHeldConnectionOverTheBlockingFrontEnd() throws Exception {
        KvStore sessions = new KvStore();
        try (BlockingSessionServer server = new BlockingSessionServer(0, sessions)) {
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", server.port());
            try (HoldClient.Protocol p = HoldClient.connect("sessions", addr)) {
                assertEquals(12, HoldClient.run(p, dir, 0, 12));
                assertEquals(12, sessions.size());
                String pre = Files.readString(dir.resolve("progress"));
                assertEquals("requests 12 port " + p.localPort() + "\n", pre);
                // a crash-less "resurrection": the same connection continues in the background
                Thread more = new Thread(() -> {
                    try {
                        HoldClient.run(p, dir, 25, 200);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                more.start();
                Thread.sleep(1500);
                boolean[] ok = new boolean[1];
                String out = run(o -> ok[0] = HoldClient.check("sessions", addr, dir, pre.trim(), 1500, o));
                assertTrue(ok[0], out);
                assertTrue(out.contains("INFO before the crash: 12 requests on the connection from port " + p.localPort()), out);
                assertTrue(out.contains("PASS all "), out);
                more.join();
            }
            // an acknowledged session the server does not have, and a progress line of another connection
            Files.writeString(dir.resolve("acked.txt"), "s999-0\tnobody\n", StandardOpenOption.APPEND);
            boolean[] ok = new boolean[1];
            String out = run(o -> ok[0] = HoldClient.check("sessions", addr, dir, "requests 5 port 1", 100, o));
            assertFalse(ok[0], out);
            assertTrue(out.contains("FAIL the client is on another connection"), out);
            assertTrue(out.contains("FAIL the held connection does not advance"), out);
            assertTrue(out.contains("FAIL session s999-0: expected user=nobody got null"), out);
        }
    }

    @Test
    void theBlockingFrontEndServesTheJdkHttpClientToo() throws Exception {
        try (BlockingSessionServer server = new BlockingSessionServer(0, new KvStore())) {
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", server.port());
            Path acks = dir.resolve("jdk-acks");
            assertEquals(5, SessionClientTool.createSessions(addr, 5, acks, 0));
            boolean[] ok = new boolean[1];
            String out = run(o -> ok[0] = SessionClientTool.check(addr, acks, o));
            assertTrue(ok[0], out);
            assertTrue(out.contains("INFO sessions=5 acked=5 checksum="), out);
        }
    }

    @Test
    void kvstoreHeldConnectionAndAStoppedClient() throws Exception {
        KvStore store = new KvStore();
        try (KvServer server = new KvServer(new InetSocketAddress("127.0.0.1", 0), store)) {
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", server.port());
            try (HoldClient.Protocol p = HoldClient.connect("kvstore", addr)) {
                assertEquals(9, HoldClient.run(p, dir, 0, 9));
            }
            assertEquals(9, store.size());
            assertEquals(9, AckLog.read(dir.resolve("acked.txt")).size());
            Files.writeString(dir.resolve("error"), "request 3: connection closed by server\n");
            boolean[] ok = new boolean[1];
            String out = run(o -> ok[0] = HoldClient.check("kvstore", addr, dir, "", 10, o));
            assertFalse(ok[0]);
            assertTrue(out.contains("FAIL the client stopped: request 3: connection closed by server"), out);
        }
    }

    @Test
    void aWrongAnswerOnTheHeldConnectionIsAnError() throws Exception {
        HoldClient.Protocol lying = new HoldClient.Protocol() {
            @Override
            public String[] create(int i) {
                return new String[] {"k" + i, "v" + i};
            }

            @Override
            public String read(String key) {
                return key.equals("k1") ? "other" : "v" + key.substring(1);
            }

            @Override
            public int localPort() {
                return 4242;
            }

            @Override
            public void close() {
            }
        };
        IOException e = assertThrows(IOException.class, () -> HoldClient.run(lying, dir, 0, 10));
        assertEquals("request 2 on the connection from port 4242: request 2: k1 reads other, expected v1", e.getMessage());
    }

    @Test
    void progressLines() {
        assertArrayEquals(new long[] {17, 40000}, HoldClient.parseProgress("requests 17 port 40000\n"));
        assertNull(HoldClient.parseProgress("requests 17"));
        assertNull(HoldClient.parseProgress("requests x port 1"));
        assertNull(HoldClient.parseProgress(null));
    }

    @Test
    void miniHttpRequestsAndResponses() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MiniHttp.writeRequest(out, "POST", "/sessions?user=a%20b");
        out.write("GET /stats HTTP/1.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        MiniHttp.Request r = MiniHttp.readRequest(in);
        assertEquals(new MiniHttp.Request("POST", "/sessions", "user=a%20b", false), r);
        assertEquals(new MiniHttp.Request("GET", "/stats", null, true), MiniHttp.readRequest(in));
        assertNull(MiniHttp.readRequest(in));

        out.reset();
        MiniHttp.writeResponse(out, 201, "s1-ab\n");
        MiniHttp.writeResponse(out, 404, "");
        in = new ByteArrayInputStream(out.toByteArray());
        assertEquals(new MiniHttp.Response(201, "s1-ab\n"), MiniHttp.readResponse(in));
        assertEquals(new MiniHttp.Response(404, ""), MiniHttp.readResponse(in));
        IOException closed = assertThrows(IOException.class, () -> MiniHttp.readResponse(new ByteArrayInputStream(new byte[0])));
        assertEquals("connection closed by the server", closed.getMessage());
        assertThrows(IOException.class, () -> MiniHttp.readRequest(
                new ByteArrayInputStream("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
        assertThrows(IOException.class, () -> MiniHttp.readResponse(
                new ByteArrayInputStream("HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
    }
}
