package org.otherworld.agent.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.images.InetSocketImage;
import org.otherworld.agent.images.TcpStreamImage;

/**
 * The completion of loopback connections whose two ends are in the vmcore: bytes the receiver has are
 * acknowledged, bytes in flight and unsent bytes within the receiver's window are delivered, and every
 * byte ends in exactly one place.
 */
class LocalConnectionsTest {
    static final int LOOPBACK = 0x0100007f;
    static final long CLIENT = 101, SERVER = 202;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The end at {@code port} talking to {@code peerPort}, with the given queues (rcv_wup 0, rcv_wnd 65536). */
    static InetSocketImage end(long ino, int port, int peerPort, int inqSeq, byte[] inq, int outqSeq, int unsent,
                               byte[] outq) {
        TcpStreamImage t = new TcpStreamImage(inqSeq, outqSeq, unsent, TcpStreamImage.TCPI_OPT_WSCALE, 7, 7, 65483,
                0, true, false, new TcpStreamImage.Window(inqSeq - inq.length, 65536, 65536, 65536, inqSeq - inq.length),
                inq, outq);
        return new InetSocketImage(ino, InetSocketImage.AF_INET, InetSocketImage.SOCK_STREAM,
                InetSocketImage.IPPROTO_TCP, InetSocketImage.TCP_ESTABLISHED, new int[] {LOOPBACK}, port,
                new int[] {LOOPBACK}, peerPort, 0, 16384, 131072, false, false, false, 0, t);
    }

    static LocalConnections.Result complete(InetSocketImage... ends) {
        Map<Long, InetSocketRead> reads = new LinkedHashMap<>();
        for (InetSocketImage e : ends) {
            reads.put(e.ino(), InetSocketRead.restored(e, 0));
        }
        return LocalConnections.complete(reads);
    }

    static TcpStreamImage stream(LocalConnections.Result r, long ino) {
        return r.reads().get(ino).image().stream();
    }

    @Test
    void aReplyTheClientHasIsAcknowledgedAtTheServer() {
        // the server sent "OK\n" (1000..1003), the client read it; the client's delayed ACK never went out
        InetSocketImage server = end(SERVER, 7071, 40000, 500, new byte[0], 1003, 0, b("OK\n"));
        InetSocketImage client = end(CLIENT, 40000, 7071, 1003, new byte[0], 500, 0, new byte[0]);
        LocalConnections.Result r = complete(client, server);
        assertEquals(1, r.pairs());
        assertEquals(3, r.acked());
        assertEquals(0, r.delivered());
        TcpStreamImage s = stream(r, SERVER);
        assertEquals(0, s.outq().length);
        assertEquals(1003, s.outqSeq());
        assertEquals(0, s.unsqLen());
        assertEquals(1003 + 65536 - 1003, s.window().sndWnd(), "the client's advertised right edge");
        assertEquals(stream(r, CLIENT), client.stream(), "the client is unchanged");
    }

    @Test
    void bytesInFlightAndUnsentBytesReachTheReceiver() {
        // the client sent "GET a\n" (500..506) which was lost in the backlog, and wrote "GET b\n", unsent
        InetSocketImage client = end(CLIENT, 40000, 7071, 1000, new byte[0], 512, 6, b("GET a\nGET b\n"));
        InetSocketImage server = end(SERVER, 7071, 40000, 500, b("PU"), 1000, 0, new byte[0]);
        LocalConnections.Result r = complete(client, server);
        assertEquals(12, r.delivered());
        assertEquals(12, r.acked());
        TcpStreamImage s = stream(r, SERVER);
        assertEquals(512, s.inqSeq());
        assertArrayEquals(b("PUGET a\nGET b\n"), s.inq());
        TcpStreamImage c = stream(r, CLIENT);
        assertEquals(0, c.outq().length);
        assertEquals(0, c.unsqLen());
        assertEquals(512, c.outqSeq());
    }

    @Test
    void onlyWhatTheReceiversWindowHoldsIsDelivered() {
        InetSocketImage client = end(CLIENT, 40000, 7071, 1000, new byte[0], 520, 16, b("abcdefghijklmnopqrst"));
        // the server has 500..504 and advertised a window up to 510
        TcpStreamImage t = new TcpStreamImage(504, 1000, 0, TcpStreamImage.TCPI_OPT_WSCALE, 7, 7, 65483, 0, true,
                false, new TcpStreamImage.Window(999, 65536, 65536, 10, 500), new byte[0], new byte[0]);
        InetSocketImage server = new InetSocketImage(SERVER, InetSocketImage.AF_INET, InetSocketImage.SOCK_STREAM,
                InetSocketImage.IPPROTO_TCP, InetSocketImage.TCP_ESTABLISHED, new int[] {LOOPBACK}, 7071,
                new int[] {LOOPBACK}, 40000, 0, 16384, 131072, false, false, false, 0, t);
        LocalConnections.Result r = complete(client, server);
        TcpStreamImage s = stream(r, SERVER);
        assertEquals(510, s.inqSeq());
        assertArrayEquals(b("efghij"), s.inq());
        TcpStreamImage c = stream(r, CLIENT);
        assertEquals(520, c.outqSeq());
        assertArrayEquals(b("klmnopqrst"), c.outq(), "the rest stays unsent");
        assertEquals(10, c.unsqLen());
        assertEquals(0, c.window().sndWnd(), "the window is full");
    }

    @Test
    void bothDirectionsAreCompleted() {
        InetSocketImage client = end(CLIENT, 40000, 7071, 1000, new byte[0], 506, 0, b("GET a\n"));
        InetSocketImage server = end(SERVER, 7071, 40000, 500, new byte[0], 1010, 0, b("VALUE 1\nOK"));
        LocalConnections.Result r = complete(server, client);
        assertArrayEquals(b("GET a\n"), stream(r, SERVER).inq());
        assertArrayEquals(b("VALUE 1\nOK"), stream(r, CLIENT).inq());
        assertEquals(0, stream(r, SERVER).outq().length);
        assertEquals(0, stream(r, CLIENT).outq().length);
        assertEquals(16, r.delivered());
    }

    @Test
    void sequenceNumbersThatDoNotFitLeaveBothEndsAsRead() {
        // the "peer" has received beyond what the sender ever sent: not the same connection
        InetSocketImage client = end(CLIENT, 40000, 7071, 1000, new byte[0], 506, 0, b("GET a\n"));
        InetSocketImage server = end(SERVER, 7071, 40000, 9000, new byte[0], 1000, 0, new byte[0]);
        LocalConnections.Result r = complete(client, server);
        assertEquals(1, r.pairs());
        assertSame(client, r.reads().get(CLIENT).image());
        assertSame(server, r.reads().get(SERVER).image());
    }

    @Test
    void aConnectionToAnotherMachineIsLeftAlone() {
        InetSocketImage client = end(CLIENT, 40000, 7071, 1000, new byte[0], 506, 0, b("GET a\n"));
        LocalConnections.Result r = complete(client);
        assertEquals(0, r.pairs());
        assertSame(client, r.reads().get(CLIENT).image());
    }

    @Test
    void twoSocketsWithOneAddressPairAreNotGuessedBetween() {
        InetSocketImage client = end(CLIENT, 40000, 7071, 1000, new byte[0], 506, 0, b("GET a\n"));
        InetSocketImage server = end(SERVER, 7071, 40000, 500, new byte[0], 1000, 0, new byte[0]);
        InetSocketImage twin = end(303, 7071, 40000, 500, new byte[0], 1000, 0, new byte[0]);
        LocalConnections.Result r = complete(client, server, twin);
        assertEquals(0, r.pairs());
        assertSame(client, r.reads().get(CLIENT).image());
    }

    @Test
    void sequenceNumbersWrapAround() {
        InetSocketImage client = end(CLIENT, 40000, 7071, 1000, new byte[0], 2, 0, b("abcd"));
        InetSocketImage server = end(SERVER, 7071, 40000, -2, new byte[0], 1000, 0, new byte[0]);
        LocalConnections.Result r = complete(client, server);
        assertArrayEquals(b("abcd"), stream(r, SERVER).inq());
        assertEquals(2, stream(r, SERVER).inqSeq());
        assertEquals(0, stream(r, CLIENT).outq().length);
    }
}
