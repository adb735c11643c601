package org.otherworld.agent.net;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.otherworld.agent.images.InetSocketImage;
import org.otherworld.agent.images.TcpStreamImage;

/**
 * Completes, in the images, what the dead kernel was still moving between the two ends of a TCP
 * connection inside the machine (loopback, or the host's own address), when both ends are in the vmcore.
 *
 * <p>At a panic such a connection can be between two steps: a segment the sender transmitted sits in
 * the dead CPU's backlog and never reached the receiver, the receiver has the data but its ACK was not
 * yet processed (a delayed ACK, usually), or small writes wait in the send queue behind Nagle for that
 * ACK. Restored as read, the sender retransmits after its retransmission timeout. That timer runs while
 * {@code criu restore} still holds the connection's netfilter lock (every packet dropped until the whole
 * image set is restored, several seconds under TCG), so it backs off to 1, 3, 7, 15, 31 s: the
 * connection stalls for up to half a minute after the restore although nothing was lost (seen in CI:
 * a held kvstore connection made no progress for the whole check).
 *
 * <p>Both ends being known, the agent does what the two kernels would have done next:
 * <ul>
 *   <li>the bytes the receiver already has ({@code snd_una .. rcv_nxt}) are acknowledged: they leave the
 *       sender's send queue;</li>
 *   <li>the bytes in flight ({@code rcv_nxt .. snd_nxt}) and then unsent bytes ({@code snd_nxt ..
 *       write_seq}), as far as the receiver's advertised window reaches, are appended to the receiver's
 *       queue and acknowledged;</li>
 *   <li>the sender's send window keeps the receiver's advertised right edge.</li>
 * </ul>
 * Each byte is then in exactly one place, as after a normal exchange, and the restored connection has
 * nothing to retransmit. A pair whose sequence numbers do not fit together (a socket that only looks like
 * the peer) is left as read.
 */
public final class LocalConnections {
    private LocalConnections() {
    }

    /**
     * What {@link #complete} did.
     *
     * @param reads     the reads, with the completed connections replaced (same keys and order)
     * @param pairs     connections whose two ends were both found
     * @param acked     bytes the senders no longer keep (the receiver had them, or now has them)
     * @param delivered of those, bytes moved from a sender's send queue to its peer's receive queue
     */
    public record Result(Map<Long, InetSocketRead> reads, int pairs, long acked, long delivered) {
    }

    /** The reads keyed by socket inode, with every connection whose two ends are among them completed. */
    public static Result complete(Map<Long, InetSocketRead> reads) {
        Map<String, Long> byTuple = new HashMap<>();
        Set<Long> duplicate = new HashSet<>(); // two sockets with one address pair: neither is completed
        for (Map.Entry<Long, InetSocketRead> e : reads.entrySet()) {
            InetSocketImage s = established(e.getValue());
            Long other = s == null ? null : byTuple.putIfAbsent(tuple(s, false), e.getKey());
            if (other != null) {
                duplicate.add(other);
                duplicate.add(e.getKey());
            }
        }
        Map<Long, InetSocketRead> out = new LinkedHashMap<>(reads);
        int pairs = 0;
        long acked = 0;
        long delivered = 0;
        for (Map.Entry<Long, InetSocketRead> e : reads.entrySet()) {
            InetSocketImage a = established(e.getValue());
            if (a == null || duplicate.contains(e.getKey())) {
                continue;
            }
            Long peer = byTuple.get(tuple(a, true));
            if (peer == null || peer.equals(e.getKey()) || duplicate.contains(peer) || peer < e.getKey()) {
                continue; // no peer here, or the pair was handled from the other end
            }
            pairs++;
            InetSocketImage b = established(reads.get(peer));
            InetSocketImage[] ab = send(a, b);
            InetSocketImage[] ba = send(ab[1], ab[0]);
            acked += ackedAway(a, ba[1]) + ackedAway(b, ba[0]);
            delivered += appended(a, ba[1]) + appended(b, ba[0]);
            out.put(e.getKey(), new InetSocketRead(ba[1], null, e.getValue().dropped()));
            out.put(peer, new InetSocketRead(ba[0], null, reads.get(peer).dropped()));
        }
        return new Result(out, pairs, acked, delivered);
    }

    /**
     * One direction, sender {@code a} to receiver {@code b}: returns {a', b'}, or {a, b} unchanged when
     * b's rcv_nxt is not within a's sent range.
     */
    static InetSocketImage[] send(InetSocketImage a, InetSocketImage b) {
        TcpStreamImage sa = a.stream();
        TcpStreamImage sb = b.stream();
        int una = sa.outqSeq() - sa.outq().length;
        int nxt = sa.outqSeq() - sa.unsqLen();
        int write = sa.outqSeq();
        int rcv = sb.inqSeq();
        int have = rcv - una; // bytes b has that a still keeps
        if (have < 0 || rcv - nxt > 0) {
            return new InetSocketImage[] {a, b};
        }
        int inFlight = nxt - rcv;
        int room = sb.window() == null ? inFlight : Math.max(inFlight, sb.window().rcvWup() + sb.window().rcvWnd() - rcv);
        int deliver = Math.min(write - rcv, Math.min(room, TcpStreamImage.MAX_QUEUE - sb.inq().length));
        deliver = Math.max(deliver, 0);
        if (have == 0 && deliver == 0) {
            return new InetSocketImage[] {a, b};
        }
        int newUna = rcv + deliver;
        byte[] inq = Arrays.copyOf(sb.inq(), sb.inq().length + deliver);
        System.arraycopy(sa.outq(), have, inq, sb.inq().length, deliver);
        byte[] outq = Arrays.copyOfRange(sa.outq(), newUna - una, sa.outq().length);
        TcpStreamImage.Window wa = sa.window();
        if (wa != null) {
            int rightEdge = sb.window() != null ? sb.window().rcvWup() + sb.window().rcvWnd() : una + wa.sndWnd();
            int wnd = Math.max(0, rightEdge - newUna);
            wa = new TcpStreamImage.Window(wa.sndWl1(), wnd, Math.max(wa.maxWindow(), wnd), wa.rcvWnd(), wa.rcvWup());
        }
        return new InetSocketImage[] {a.withStream(sa.withSendQueue(outq, write - newUna, wa)),
            b.withStream(sb.withReceiveQueue(rcv + deliver, inq))};
    }

    /** Bytes that left the socket's send queue. */
    private static long ackedAway(InetSocketImage before, InetSocketImage after) {
        return before.stream().outq().length - after.stream().outq().length;
    }

    /** Bytes added to the socket's receive queue. */
    private static long appended(InetSocketImage before, InetSocketImage after) {
        return after.stream().inq().length - before.stream().inq().length;
    }

    private static InetSocketImage established(InetSocketRead r) {
        InetSocketImage s = r == null ? null : r.image();
        return s != null && s.state() == InetSocketImage.TCP_ESTABLISHED && s.stream() != null ? s : null;
    }

    /** "family local:port remote:port", or with the ends swapped (the key the peer is filed under). */
    private static String tuple(InetSocketImage s, boolean swapped) {
        String local = Arrays.toString(s.srcAddr()) + ":" + s.srcPort();
        String remote = Arrays.toString(s.dstAddr()) + ":" + s.dstPort();
        return s.family() + " " + (swapped ? remote + " " + local : local + " " + remote);
    }
}
