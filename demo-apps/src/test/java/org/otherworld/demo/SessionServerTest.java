package org.otherworld.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionServerTest {
    @TempDir
    Path dir;

    @Test
    void sessionsSurviveReopenOfTheListeningSocket() throws Exception {
        KvStore sessions = new KvStore();
        SessionServer server = new SessionServer(0, sessions);
        try {
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", server.port());
            Path acks = dir.resolve("acks");
            assertEquals(15, SessionClientTool.createSessions(addr, 15, acks, 0));
            assertEquals(15, sessions.size());
            assertEquals(15, sessions.acked());
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            assertTrue(SessionClientTool.check(addr, acks, new PrintStream(buf, true, StandardCharsets.UTF_8)));

            int port = server.port();
            server.reopen();
            assertEquals(port, server.port());
            buf.reset();
            assertTrue(SessionClientTool.check(addr, acks, new PrintStream(buf, true, StandardCharsets.UTF_8)));
            String out = buf.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains("PASS all 15 acknowledged sessions are served"), out);
            assertTrue(out.contains("INFO sessions=15 acked=15 checksum="), out);

            Files.writeString(acks, "s999-0\tnobody\n", StandardOpenOption.APPEND);
            buf.reset();
            assertFalse(SessionClientTool.check(addr, acks, new PrintStream(buf, true, StandardCharsets.UTF_8)));
            assertTrue(buf.toString(StandardCharsets.UTF_8).contains("FAIL session s999-0: expected 200 user=nobody got 404"));
        } finally {
            server.close();
        }
    }

    @Test
    void theProcedureReopensOnlyWhenATcpSocketWasNotRestored() {
        java.util.function.Function<java.util.List<org.otherworld.sdk.UnrestoredResource>, Boolean> needs = list ->
                SessionsApp.needsNewListener(new org.otherworld.sdk.ResurrectionReport(42, java.time.Instant.EPOCH,
                        java.time.Duration.ZERO, "panic", false, list));
        assertFalse(needs.apply(java.util.List.of()), "everything restored: keep the restored server");
        assertFalse(needs.apply(java.util.List.of(new org.otherworld.sdk.UnrestoredResource(-1, "fpu",
                "FPU/SSE/AVX registers of thread 318", "stale"))), "no socket lost");
        assertTrue(needs.apply(java.util.List.of(new org.otherworld.sdk.UnrestoredResource(5, "tcp",
                "tcp6 [::]:8080 LISTEN", "not restorable"))), "a TCP socket lost: listen again");
    }
}
