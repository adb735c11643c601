package org.otherworld.agent.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfBuilder;
import org.otherworld.agent.images.InetSocketImage;
import org.otherworld.agent.images.TcpStreamImage;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * TCP and UDP sockets read from a synthetic kernel: structs laid out by a small BTF (member names as in
 * Linux 6.1, offsets of our own), memory built byte by byte.
 */
class InetSocketReaderTest {
    static final long BASE = 0x10000, SOCK = 0x10000, SKB1 = 0x11000, SKB2 = 0x11200, SKB3 = 0x11400,
            SKB4 = 0x11600, SKB_OOO = 0x11800, DATA = 0x12000, PAGE_STRUCT = 0x7000, PAGE_DATA = 0x14000;
    /** Offsets of our synthetic layout. */
    static final int RXQ = 56, WQ = 80, RTX = 104, TP = 136, OOO = 208, SHINFO = 0x100;

    /** struct sock / tcp_sock / sk_buff ... with 6.1 member names. */
    static KernelTypes types() {
        BtfBuilder b = new BtfBuilder();
        int u8 = b.intType("unsigned char", 1, 0);
        int u16 = b.intType("short unsigned int", 2, 0);
        int u32 = b.intType("unsigned int", 4, 0);
        int i32 = b.intType("int", 4, BtfBuilder.SIGNED);
        int u64 = b.intType("long long unsigned int", 8, 0);
        int ptr = b.ptr(0);
        int a16 = b.array(u8, u32, 16);
        int common = b.struct("sock_common", 48).member("skc_daddr", u32, 0).member("skc_rcv_saddr", u32, 32)
                .member("skc_dport", u16, 64).member("skc_num", u16, 80).member("skc_family", u16, 96)
                .member("skc_state", u8, 112).bitfield("skc_reuse", u8, 120, 4).bitfield("skc_reuseport", u8, 124, 1)
                .bitfield("skc_ipv6only", u8, 125, 1).member("skc_v6_daddr", a16, 128)
                .member("skc_v6_rcv_saddr", a16, 256).id();
        int lock = b.struct("socket_lock", 8).member("slock", u32, 0).member("owned", i32, 32).id();
        int head = b.struct("sk_buff_head", 24).member("next", ptr, 0).member("prev", ptr, 64)
                .member("qlen", u32, 128).id();
        int root = b.struct("rb_root", 8).member("rb_node", ptr, 0).id();
        b.struct("rb_node", 24).member("__rb_parent_color", u64, 0).member("rb_right", ptr, 64)
                .member("rb_left", ptr, 128);
        int rbnode = b.struct("rb_node_copy", 24).id();
        b.struct("sock", 136).member("__sk_common", common, 0).member("sk_lock", lock, 48 * 8)
                .member("sk_receive_queue", head, RXQ * 8).member("sk_write_queue", head, WQ * 8)
                .member("tcp_rtx_queue", root, RTX * 8).member("sk_type", u16, 112 * 8)
                .member("sk_protocol", u16, 114 * 8).member("sk_sndbuf", i32, 116 * 8)
                .member("sk_rcvbuf", i32, 120 * 8).member("sk_shutdown", u8, 124 * 8)
                .member("sk_max_ack_backlog", u32, 128 * 8);
        int rxopt = b.struct("tcp_options_received", 8).bitfield("tstamp_ok", u32, 0, 1)
                .bitfield("sack_ok", u32, 1, 3).bitfield("wscale_ok", u32, 4, 1).bitfield("snd_wscale", u32, 8, 4)
                .bitfield("rcv_wscale", u32, 12, 4).member("mss_clamp", u16, 32).id();
        b.struct("tcp_sock", 216).member("snd_una", u32, TP * 8).member("snd_nxt", u32, 140 * 8)
                .member("write_seq", u32, 144 * 8).member("rcv_nxt", u32, 148 * 8).member("copied_seq", u32, 152 * 8)
                .member("snd_wl1", u32, 156 * 8).member("snd_wnd", u32, 160 * 8).member("max_window", u32, 164 * 8)
                .member("rcv_wnd", u32, 168 * 8).member("rcv_wup", u32, 172 * 8).member("tsoffset", u32, 176 * 8)
                .bitfield("nonagle", u8, 180 * 8, 4).bitfield("repair", u8, 180 * 8 + 4, 1)
                .member("rx_opt", rxopt, 184 * 8).member("tcp_mstamp", u64, 192 * 8)
                .member("tcp_clock_cache", u64, 200 * 8).member("out_of_order_queue", root, OOO * 8);
        int cb = b.array(u8, u32, 48);
        b.struct("sk_buff", 104).member("next", ptr, 0).member("prev", ptr, 64)
                .member("rbnode", b.struct("rb_node_in_skb", 24).member("__rb_parent_color", u64, 0).id(), 0)
                .member("cb", cb, 24 * 8).member("len", u32, 72 * 8).member("data_len", u32, 76 * 8)
                .member("head", ptr, 80 * 8).member("data", ptr, 88 * 8).member("end", u32, 96 * 8);
        b.struct("tcp_skb_cb", 48).member("seq", u32, 0).member("end_seq", u32, 32).member("tcp_flags", u8, 96);
        int bvec = b.struct("bio_vec", 16).member("bv_page", ptr, 0).member("bv_len", u32, 64)
                .member("bv_offset", u32, 96).id();
        b.struct("skb_shared_info", 16 + 17 * 16).member("nr_frags", u8, 16).member("frag_list", ptr, 64)
                .member("frags", b.array(bvec, u32, 17), 128);
        return new KernelTypes(Btf.parse(b.build()));
    }

    /** A flat synthetic memory from BASE. */
    static final class Mem implements VirtualMemory {
        final byte[] b = new byte[0x8000];

        @Override
        public void read(long va, byte[] dst, int off, int len) {
            long rel = va - BASE;
            if (rel < 0 || rel + len > b.length) {
                throw new MemoryAccessException(va, "synthetic memory: not mapped");
            }
            System.arraycopy(b, (int) rel, dst, off, len);
        }

        Mem u64(long a, long v) {
            LittleEndian.putU64(b, (int) (a - BASE), v);
            return this;
        }

        Mem u32(long a, long v) {
            LittleEndian.putU32(b, (int) (a - BASE), (int) v);
            return this;
        }

        Mem u16(long a, int v) {
            b[(int) (a - BASE)] = (byte) v;
            b[(int) (a - BASE) + 1] = (byte) (v >> 8);
            return this;
        }

        Mem u8(long a, int v) {
            b[(int) (a - BASE)] = (byte) v;
            return this;
        }

        Mem bytes(long a, String s) {
            byte[] x = s.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(x, 0, b, (int) (a - BASE), x.length);
            return this;
        }
    }

    /** The common part: AF_INET TCP socket 10.0.2.15:7777 -> 10.0.2.2:40000, empty queues. */
    static Mem socket(int state) {
        Mem m = new Mem();
        m.u32(SOCK, 0x0202000aL).u32(SOCK + 4, 0x0f02000aL).u16(SOCK + 8, Short.toUnsignedInt(Short.reverseBytes(
                (short) 40000))).u16(SOCK + 10, 7777).u16(SOCK + 12, 2).u8(SOCK + 14, state).u8(SOCK + 15, 1)
                .u16(SOCK + 112, 1).u16(SOCK + 114, 6).u32(SOCK + 116, 87040).u32(SOCK + 120, 131072);
        emptyList(m, SOCK + RXQ);
        emptyList(m, SOCK + WQ);
        return m;
    }

    static void emptyList(Mem m, long head) {
        m.u64(head, head).u64(head + 8, head).u32(head + 16, 0);
    }

    /** An skb with {@code linear} bytes at {@code data} and optionally one page fragment. */
    static void skb(Mem m, long skb, int seq, String linear, String frag, long data) {
        int fragLen = frag == null ? 0 : frag.length();
        m.u32(skb + 24, seq).u32(skb + 28, seq + linear.length() + fragLen).u8(skb + 36, 0)
                .u32(skb + 72, linear.length() + fragLen).u32(skb + 76, fragLen).u64(skb + 80, data)
                .u64(skb + 88, data).u32(skb + 96, SHINFO).bytes(data, linear);
        long sh = data + SHINFO;
        m.u8(sh + 2, frag == null ? 0 : 1).u64(sh + 8, 0);
        if (frag != null) {
            m.u64(sh + 16, PAGE_STRUCT).u32(sh + 24, fragLen).u32(sh + 28, 0x10 + (skb - SKB1) / 2);
            m.bytes(PAGE_DATA + 0x10 + (skb - SKB1) / 2, frag);
        }
    }

    /** Links skbs into the list whose head is at {@code head}. */
    static void link(Mem m, long head, long... skbs) {
        long prev = head;
        for (long s : skbs) {
            m.u64(prev == head ? head : prev, s);
            m.u64(s + 8, prev);
            prev = s;
        }
        m.u64(prev, head).u64(head + 8, prev).u32(head + 16, skbs.length);
    }

    /** The established connection of the tests; {@code rcvNxt} 5008 is consistent. */
    static Mem established(int rcvNxt) {
        Mem m = socket(1);
        long tp = SOCK;
        m.u32(tp + 136, 1000).u32(tp + 140, 1010).u32(tp + 144, 1015).u32(tp + 148, rcvNxt).u32(tp + 152, 5000)
                .u32(tp + 156, 4990).u32(tp + 160, 64240).u32(tp + 164, 65535).u32(tp + 168, 65483)
                .u32(tp + 172, 4999).u32(tp + 176, 100).u8(tp + 180, 1)
                .u32(tp + 184, 1 | (1 << 1) | (1 << 4) | (7 << 8) | (9 << 12)).u16(tp + 188, 1460)
                .u64(tp + 192, 4_999_000L).u64(tp + 200, 5_000_000_000L);
        // receive queue: 4 bytes already read of the first skb, the second only paged
        skb(m, SKB1, 4996, "....abcd", null, DATA);
        skb(m, SKB2, 5004, "", "efgh", DATA + 0x400);
        link(m, SOCK + RXQ, SKB1, SKB2);
        // retransmit queue: one sent skb, 5 of its bytes acknowledged
        skb(m, SKB3, 995, "ABCDE0123456789", null, DATA + 0x800);
        m.u64(SOCK + RTX, SKB3).u64(SKB3, 0).u64(SKB3 + 8, 0).u64(SKB3 + 16, 0); // rb_node: no children
        // write queue: unsent, 2 linear bytes and a page fragment
        skb(m, SKB4, 1010, "XY", "ZWV", DATA + 0xc00);
        link(m, SOCK + WQ, SKB4);
        // out of order: 7 bytes beyond a hole
        skb(m, SKB_OOO, rcvNxt + 100, "ooooooo", null, DATA + 0x1000);
        m.u64(SOCK + OOO, SKB_OOO).u64(SKB_OOO + 8, 0).u64(SKB_OOO + 16, 0);
        return m;
    }

    static InetSocketReader reader(Mem m) {
        return new InetSocketReader(types(), m, page -> {
            assertEquals(PAGE_STRUCT, page);
            return PAGE_DATA;
        });
    }

    @Test
    void establishedConnectionWithBothQueuesAndPagedFragments() {
        InetSocketRead r = reader(established(5008)).read(SOCK, 0x4242);
        assertNull(r.unrestored(), r.unrestored());
        InetSocketImage s = r.image();
        assertEquals(InetSocketImage.TCP_ESTABLISHED, s.state());
        assertArrayEquals(new int[] {0x0f02000a}, s.srcAddr());
        assertArrayEquals(new int[] {0x0202000a}, s.dstAddr());
        assertEquals(7777, s.srcPort());
        assertEquals(40000, s.dstPort());
        assertTrue(s.reuseaddr());
        TcpStreamImage t = s.stream();
        assertNotNull(t);
        assertEquals("abcdefgh", new String(t.inq(), StandardCharsets.US_ASCII));
        assertEquals(5008, t.inqSeq());
        assertEquals("0123456789XYZWV", new String(t.outq(), StandardCharsets.US_ASCII));
        assertEquals(1015, t.outqSeq());
        assertEquals(5, t.unsqLen());
        assertEquals(TcpStreamImage.TCPI_OPT_TIMESTAMPS | TcpStreamImage.TCPI_OPT_SACK | TcpStreamImage.TCPI_OPT_WSCALE,
                t.optMask());
        assertEquals(7, t.sndWscale());
        assertEquals(9, t.rcvWscale());
        assertEquals(1460, t.mssClamp());
        assertEquals(5000 + 1 + 100, t.timestamp(), "ms clock from tcp_clock_cache + 1 + tsoffset");
        assertTrue(t.nodelay());
        assertEquals(new TcpStreamImage.Window(4990, 64240, 65535, 65483, 4999), t.window());
        assertEquals(7, r.dropped(), "out-of-order bytes dropped");
    }

    @Test
    void connectionWithoutWindowScalingIsWrittenWithBothScalesZero() {
        Mem m = established(5008);
        // wscale_ok clear (the peer, like QEMU's slirp, offered no scaling); stale scale bits must not leak
        m.u32(SOCK + 184, 1 | (1 << 1) | (7 << 8) | (9 << 12));
        TcpStreamImage t = reader(m).read(SOCK, 0x4242).image().stream();
        assertEquals(TcpStreamImage.TCPI_OPT_TIMESTAMPS | TcpStreamImage.TCPI_OPT_SACK | TcpStreamImage.TCPI_OPT_WSCALE,
                t.optMask(), "WSCALE is written so restore resets the scale a repair-mode connect chose");
        assertEquals(0, t.sndWscale());
        assertEquals(0, t.rcvWscale());
    }

    @Test
    void receiveQueueThatDoesNotCoverTheSequenceRangeIsUnrestored() {
        InetSocketRead r = reader(established(5010)).read(SOCK, 0x4242);
        assertNull(r.image());
        assertTrue(r.unrestored().contains("receive queue"), r.unrestored());
    }

    @Test
    void socketLockedByASystemCallIsUnrestored() {
        Mem m = established(5008);
        m.u32(SOCK + 52, 1);
        InetSocketRead r = reader(m).read(SOCK, 0x4242);
        assertNull(r.image());
        assertTrue(r.unrestored().contains("sk_lock owned"), r.unrestored());
    }

    @Test
    void sequenceNumbersOutOfOrderAreUnrestored() {
        Mem m = established(5008);
        m.u32(SOCK + 140, 1020); // snd_nxt after write_seq
        InetSocketRead r = reader(m).read(SOCK, 0x4242);
        assertNull(r.image());
        assertTrue(r.unrestored().contains("inconsistent sequence numbers"), r.unrestored());
    }

    @Test
    void unreadableSkbIsUnrestoredNotHalfRestored() {
        Mem m = established(5008);
        m.u64(SKB2 + 88, 0x900000); // data pointer outside memory, linear part read fails
        m.u32(SKB2 + 76, 0).u32(SKB2 + 72, 4);
        InetSocketRead r = reader(m).read(SOCK, 0x4242);
        assertNull(r.image());
        assertTrue(r.unrestored().startsWith("its state cannot be read"), r.unrestored());
    }

    @Test
    void listenerIsRestoredOnItsAddressWithItsBacklog() {
        Mem m = socket(10);
        m.u32(SOCK, 0).u32(SOCK + 4, 0).u16(SOCK + 8, 0).u32(SOCK + 128, 16);
        InetSocketRead r = reader(m).read(SOCK, 0x4243);
        InetSocketImage s = r.image();
        assertNotNull(s, r.unrestored());
        assertEquals(InetSocketImage.TCP_LISTEN, s.state());
        assertEquals(7777, s.srcPort());
        assertEquals(0, s.dstPort());
        assertEquals(16, s.backlog());
        assertNull(s.stream());
    }

    @Test
    void boundUdpSocket() {
        Mem m = socket(7);
        m.u16(SOCK + 112, 2).u16(SOCK + 114, 17).u16(SOCK + 10, 5353).u32(SOCK, 0).u16(SOCK + 8, 0);
        InetSocketImage s = reader(m).read(SOCK, 0x4244).image();
        assertNotNull(s);
        assertEquals(InetSocketImage.IPPROTO_UDP, s.proto());
        assertEquals(5353, s.srcPort());
        assertEquals(0, s.dstPort());
        assertArrayEquals(new int[] {0x0f02000a}, s.srcAddr());
    }

    @Test
    void otherTcpStatesAreUnrestored() {
        InetSocketRead r = reader(socket(8)).read(SOCK, 0x4245);
        assertNull(r.image());
        assertEquals("TCP state CLOSE_WAIT is not restored", r.unrestored());
    }
}
