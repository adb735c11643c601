package org.otherworld.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvStoreTest {
    @TempDir
    Path dir;

    @Test
    void protocolCommands() {
        KvStore s = new KvStore();
        KvProtocol p = new KvProtocol(s);
        String empty = p.handle("CHECKSUM");
        assertEquals("OK", p.handle("PUT a hello world"));
        assertEquals("OK", p.handle("put b 2"));
        assertEquals("VALUE hello world", p.handle("GET a"));
        assertEquals("NOTFOUND", p.handle("GET zz"));
        assertEquals("COUNT 2", p.handle("COUNT"));
        assertEquals("ACKED 2", p.handle("ACKED"));
        assertEquals("OK", p.handle("PUT a again"));
        assertEquals("COUNT 2", p.handle("COUNT"));
        assertEquals("ACKED 3", p.handle("ACKED"));
        assertNotEquals(empty, p.handle("CHECKSUM"));
        assertTrue(p.handle("CHECKSUM").matches("CHECKSUM [0-9a-f]{16}"));
        assertEquals("BYE", p.handle("QUIT"));
        assertTrue(p.handle("PUT").startsWith("ERR"));
        assertTrue(p.handle("GET a b").startsWith("ERR"));
        assertTrue(p.handle("FROB").startsWith("ERR unknown"));
    }

    @Test
    void snapshotRoundTripAndCorruptionDetected() throws IOException {
        KvStore s = new KvStore();
        s.put("k\t1", "v\nwith newline");
        s.put("k2", "v2");
        Path f = dir.resolve("snap");
        s.save(f);
        KvStore t = new KvStore();
        assertEquals(2, t.load(f));
        assertEquals(s.checksum(), t.checksum());
        assertEquals("v\nwith newline", t.get("k\t1"));
        assertEquals(2, t.acked());
        Files.writeString(f, Files.readString(f).replace("v2", "v3"));
        assertThrows(IOException.class, () -> new KvStore().load(f));
    }

    @Test
    void clientRecordsAcksAndCheckVerifiesThemOverLoopback() throws Exception {
        KvStore s = new KvStore();
        try (KvServer server = new KvServer(new InetSocketAddress("127.0.0.1", 0), s)) {
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", server.port());
            Path acks = dir.resolve("acks");
            assertEquals(40, KvClientTool.putKeys(addr, 40, acks, 0, "t"));
            assertEquals(40, AckLog.read(acks).size());
            assertEquals(40, s.size());
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            assertTrue(KvClientTool.check(addr, acks, new PrintStream(buf, true, StandardCharsets.UTF_8)));
            assertTrue(buf.toString(StandardCharsets.UTF_8).contains("PASS all 40 acknowledged keys"));

            Files.writeString(acks, "ghost\tboo\n", StandardOpenOption.APPEND);
            buf.reset();
            assertFalse(KvClientTool.check(addr, acks, new PrintStream(buf, true, StandardCharsets.UTF_8)));
            String out = buf.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains("FAIL key ghost: expected VALUE boo got NOTFOUND"), out);
        }
    }

    @Test
    void ackLogIgnoresTornLastLine() throws IOException {
        Path f = dir.resolve("acks");
        Files.writeString(f, "a\t1\nb\t2\nc\t");
        assertEquals(2, AckLog.read(f).size());
    }
}
