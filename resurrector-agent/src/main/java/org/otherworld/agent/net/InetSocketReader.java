package org.otherworld.agent.net;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.otherworld.agent.images.InetSocketImage;
import org.otherworld.agent.images.TcpStreamImage;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Reads an AF_INET/AF_INET6 TCP or UDP socket from its {@code struct sock} in the dead kernel and
 * decides how it is restored:
 *
 * <ul>
 *   <li>UDP (bound, connected or not) and TCP in TCP_CLOSE (created, maybe bound) or TCP_LISTEN: by
 *       address, port, backlog and options; queued datagrams and not yet accepted connections are not
 *       kept;</li>
 *   <li>TCP_ESTABLISHED: with TCP repair from {@code tcp_sock}: {@code snd_una}, {@code snd_nxt},
 *       {@code write_seq}, {@code rcv_nxt}, {@code copied_seq}, the options negotiated in
 *       {@code rx_opt}, the windows, the timestamp clock, and the queue bytes: the unread receive queue
 *       ({@code sk_receive_queue}, from {@code copied_seq} to {@code rcv_nxt}) and the send queue (the
 *       retransmit rbtree {@code tcp_rtx_queue} then {@code sk_write_queue}, from {@code snd_una} to
 *       {@code write_seq}). The out-of-order queue is dropped (counted): the peer retransmits it;</li>
 *   <li>everything else, and every socket whose state is not consistent (locked by a system call in
 *       progress, sequence numbers out of order, queue bytes that do not cover the sequence ranges
 *       exactly, unreadable memory), is unrestored: never half-restored.</li>
 * </ul>
 */
public final class InetSocketReader {
    /** sk_state values (include/net/tcp_states.h). */
    static final int TCP_ESTABLISHED = 1, TCP_CLOSE = 7, TCP_LISTEN = 10;
    /** TCP_NAGLE_OFF, TCP_NAGLE_CORK bits of tcp_sock.nonagle (include/net/tcp.h). */
    static final int TCP_NAGLE_OFF = 1, TCP_NAGLE_CORK = 2;
    /** tcp_time_stamp_raw() ticks per second in 6.1 (TCP_TS_HZ, include/net/tcp.h). */
    static final long TCP_TS_HZ = 1000;

    private final KernelTypes types;
    private final VirtualMemory mem;
    private final SkbReader skbs;

    /**
     * @param types       the dead kernel's types
     * @param mem         its kernel address space
     * @param pageAddress {@code struct page} address -&gt; kernel virtual address of its data
     */
    public InetSocketReader(KernelTypes types, VirtualMemory mem, LongUnaryOperator pageAddress) {
        this.types = types;
        this.mem = mem;
        this.skbs = new SkbReader(types, mem, pageAddress);
    }

    /** Reads the socket whose {@code struct sock} is at {@code sock}, sockfs inode {@code ino}. */
    public InetSocketRead read(long sock, long ino) {
        try {
            return readOrThrow(sock, ino);
        } catch (RuntimeException e) {
            return InetSocketRead.unrestored("its state cannot be read: " + e.getMessage());
        }
    }

    private InetSocketRead readOrThrow(long sock, long ino) {
        KObject sk = types.object(mem, "sock", sock);
        int family = (int) sk.read("__sk_common.skc_family");
        int type = (int) sk.read("sk_type");
        int proto = (int) sk.read("sk_protocol");
        int state = (int) sk.read("__sk_common.skc_state");
        boolean tcp = type == InetSocketImage.SOCK_STREAM && proto == InetSocketImage.IPPROTO_TCP;
        boolean udp = type == InetSocketImage.SOCK_DGRAM && proto == InetSocketImage.IPPROTO_UDP;
        if (family != InetSocketImage.AF_INET && family != InetSocketImage.AF_INET6) {
            return InetSocketRead.unrestored("address family " + family + " is not restored");
        }
        if (!tcp && !udp) {
            return InetSocketRead.unrestored("socket type " + type + " protocol " + proto + " is not restored");
        }
        if (sk.read("sk_lock.owned") != 0) {
            return InetSocketRead.unrestored("a system call was using the socket at the crash (sk_lock owned): "
                    + "its state may be half updated");
        }
        int[] src = address(sk, family, "__sk_common.skc_rcv_saddr", "__sk_common.skc_v6_rcv_saddr");
        int[] dst = address(sk, family, "__sk_common.skc_daddr", "__sk_common.skc_v6_daddr");
        int srcPort = (int) sk.read("__sk_common.skc_num");
        int dstPort = Short.toUnsignedInt(Short.reverseBytes((short) sk.read("__sk_common.skc_dport")));
        boolean reuseaddr = sk.read("__sk_common.skc_reuse") != 0;
        boolean reuseport = sk.read("__sk_common.skc_reuseport") != 0;
        boolean v6only = family == InetSocketImage.AF_INET6 && sk.read("__sk_common.skc_ipv6only") != 0;
        int sndbuf = (int) sk.read("sk_sndbuf");
        int rcvbuf = (int) sk.read("sk_rcvbuf");
        int shutdown = (int) sk.read("sk_shutdown") & 3;
        int backlog = (int) sk.read("sk_max_ack_backlog");
        if (udp) {
            if (state != TCP_CLOSE && state != TCP_ESTABLISHED) {
                return InetSocketRead.unrestored("UDP socket in state " + state);
            }
            return InetSocketRead.restored(new InetSocketImage(ino, family, type, proto, state, src, srcPort, dst,
                    state == TCP_ESTABLISHED ? dstPort : 0, 0, sndbuf, rcvbuf, reuseaddr, reuseport, v6only, shutdown,
                    null), 0);
        }
        if (state == TCP_LISTEN || state == TCP_CLOSE) {
            return InetSocketRead.restored(new InetSocketImage(ino, family, type, proto, state, src, srcPort,
                    new int[src.length], 0, state == TCP_LISTEN ? backlog : 0, sndbuf, rcvbuf, reuseaddr, reuseport,
                    v6only, 0, null), 0);
        }
        if (state != TCP_ESTABLISHED) {
            return InetSocketRead.unrestored("TCP state " + org.otherworld.agent.files.SocketInfo.stateName(state)
                    + " is not restored");
        }
        if (shutdown != 0) {
            return InetSocketRead.unrestored("an established TCP socket that was shut down is not restored");
        }
        KObject tp = sk.as("tcp_sock");
        if (tp.read("repair") != 0) {
            return InetSocketRead.unrestored("the socket was in TCP repair mode");
        }
        long[] oooDropped = new long[1];
        TcpStreamImage stream = stream(sk, tp, oooDropped);
        return InetSocketRead.restored(new InetSocketImage(ino, family, type, proto, state, src, srcPort, dst, dstPort,
                0, sndbuf, rcvbuf, reuseaddr, reuseport, v6only, 0, stream), oooDropped[0]);
    }

    private TcpStreamImage stream(KObject sk, KObject tp, long[] oooDropped) {
        int sndUna = (int) tp.u32("snd_una");
        int sndNxt = (int) tp.u32("snd_nxt");
        int writeSeq = (int) tp.u32("write_seq");
        int rcvNxt = (int) tp.u32("rcv_nxt");
        int copiedSeq = (int) tp.u32("copied_seq");
        int outq = writeSeq - sndUna;
        int unsent = writeSeq - sndNxt;
        int inq = rcvNxt - copiedSeq;
        if (outq < 0 || unsent < 0 || unsent > outq || inq < 0 || outq > TcpStreamImage.MAX_QUEUE
                || inq > TcpStreamImage.MAX_QUEUE) {
            throw new IllegalStateException(String.format("inconsistent sequence numbers: snd_una %s snd_nxt %s "
                    + "write_seq %s rcv_nxt %s copied_seq %s", u(sndUna), u(sndNxt), u(writeSeq), u(rcvNxt), u(copiedSeq)));
        }
        byte[] in = collect(skbs.list(sk.addressOf("sk_receive_queue"), "sk_receive_queue"), copiedSeq, rcvNxt,
                "receive queue");
        List<SkbReader.Segment> send = new ArrayList<>(skbs.rbtree(sk.addressOf("tcp_rtx_queue"), "tcp_rtx_queue"));
        send.addAll(skbs.list(sk.addressOf("sk_write_queue"), "sk_write_queue"));
        byte[] out = collect(send, sndUna, writeSeq, "send queue");
        for (SkbReader.Segment s : skbs.rbtree(tp.addressOf("out_of_order_queue"), "out_of_order_queue")) {
            oooDropped[0] += s.len();
        }
        boolean ts = tp.read("rx_opt.tstamp_ok") != 0;
        boolean sack = tp.read("rx_opt.sack_ok") != 0;
        boolean ws = tp.read("rx_opt.wscale_ok") != 0;
        // WSCALE is always written: without it restore leaves the scale tcp_connect_init() chose for
        // the repair-mode socket (ilog2(tcp_rmem[2]) - 15, e.g. 7) in rx_opt.rcv_wscale, wscale_ok stays 0
        // and the peer, which never agreed to scaling, reads every advertised window shifted (measured:
        // a 64 KB window sent as "win 4" to QEMU's slirp). A connection without scaling is written as
        // WSCALE with both scales 0, the same windows on the wire.
        int mask = (ts ? TcpStreamImage.TCPI_OPT_TIMESTAMPS : 0) | (sack ? TcpStreamImage.TCPI_OPT_SACK : 0)
                | TcpStreamImage.TCPI_OPT_WSCALE;
        int timestamp = ts ? timestamp(tp) : 0;
        int nonagle = (int) tp.read("nonagle");
        TcpStreamImage.Window w = new TcpStreamImage.Window((int) tp.u32("snd_wl1"), (int) tp.u32("snd_wnd"),
                (int) tp.u32("max_window"), (int) tp.u32("rcv_wnd"), (int) tp.u32("rcv_wup"));
        return new TcpStreamImage(rcvNxt, writeSeq, unsent, mask, ws ? (int) tp.read("rx_opt.snd_wscale") : 0,
                ws ? (int) tp.read("rx_opt.rcv_wscale") : 0, (int) tp.read("rx_opt.mss_clamp"), timestamp,
                (nonagle & TCP_NAGLE_OFF) != 0, (nonagle & TCP_NAGLE_CORK) != 0, w, in, out);
    }

    /**
     * The TCP timestamp clock as getsockopt(TCP_TIMESTAMP) would have read it: the kernel's ms clock
     * ({@code tcp_clock_ns() / 10^6}, 6.1) plus {@code tsoffset}. The newest clock value the socket saw is
     * its {@code tcp_clock_cache} (ns, refreshed on every send and receive; older kernels:
     * {@code tcp_mstamp} in us); every timestamp already sent is at most that, so restoring from it keeps
     * the peer's PAWS check satisfied; one tick is added so the next value is strictly newer.
     */
    private int timestamp(KObject tp) {
        long ms = 0;
        if (tp.type().types().hasMember("tcp_sock", "tcp_clock_cache")) {
            ms = Math.max(ms, tp.u64("tcp_clock_cache") / (1_000_000_000L / TCP_TS_HZ));
        }
        ms = Math.max(ms, tp.u64("tcp_mstamp") / (1_000_000L / TCP_TS_HZ));
        return (int) (ms + 1 + tp.u32("tsoffset"));
    }

    /**
     * The bytes {@code [from, to)} of the sequence space from the segments: each byte must be covered (no
     * gap), segments may overlap what was already consumed/acknowledged. SYN or FIN in a data segment
     * (sequence space without bytes) makes the queue inconsistent for an established connection.
     */
    private byte[] collect(List<SkbReader.Segment> segs, int from, int to, String what) {
        int total = to - from;
        byte[] out = new byte[total];
        List<SkbReader.Segment> sorted = new ArrayList<>(segs);
        sorted.sort(Comparator.comparingInt(s -> s.seq() - from));
        int have = 0; // bytes of out filled, i.e. sequence from + have is next
        for (SkbReader.Segment s : sorted) {
            if ((s.flags() & (SkbReader.TCPHDR_SYN | SkbReader.TCPHDR_FIN)) != 0) {
                throw new IllegalStateException(what + ": a segment carries SYN/FIN");
            }
            if (s.endSeq() - s.seq() != s.len()) {
                throw new IllegalStateException(String.format("%s: skb seq %s..%s but %d bytes", what, u(s.seq()),
                        u(s.endSeq()), s.len()));
            }
            int start = s.seq() - from; // may be negative: partly consumed or acknowledged
            int end = s.endSeq() - from;
            if (end <= have) {
                continue; // entirely before what is still needed
            }
            if (start > have) {
                throw new IllegalStateException(String.format("%s: gap at sequence %s", what, u(from + have)));
            }
            if (end > total) {
                throw new IllegalStateException(String.format("%s: skb ends at %s after %s", what, u(s.endSeq()),
                        u(to)));
            }
            int off = have - start;
            byte[] b = skbs.payload(s.skb(), off, end - have);
            System.arraycopy(b, 0, out, have, b.length);
            have = end;
        }
        if (have != total) {
            throw new IllegalStateException(String.format("%s: %d of %d bytes present", what, have, total));
        }
        return out;
    }

    private int[] address(KObject sk, int family, String v4, String v6) {
        if (family == InetSocketImage.AF_INET) {
            return new int[] {(int) sk.u32(v4)};
        }
        int[] w = new int[4];
        long at = sk.addressOf(v6);
        byte[] b = new byte[16];
        mem.read(at, b, 0, 16);
        for (int i = 0; i < 4; i++) {
            w[i] = org.otherworld.agent.vmcore.LittleEndian.u32(b, i * 4);
        }
        return w;
    }

    private static String u(int seq) {
        return Long.toString(Integer.toUnsignedLong(seq));
    }
}
