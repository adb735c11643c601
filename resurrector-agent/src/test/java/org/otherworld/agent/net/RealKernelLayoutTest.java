package org.otherworld.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.testing.KernelBuildBtf;
import org.otherworld.agent.images.TcpStreamImage;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.kernel.StructType;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * The readers against the real 6.1 kernel's BTF (the kernel build in the test cache; skipped without
 * it): an established connection laid out with the real offsets of struct sock, tcp_sock, sk_buff,
 * tcp_skb_cb and skb_shared_info is read back.
 */
class RealKernelLayoutTest {
    static final long BASE = 0x100000, SOCK = 0x100000, SKB_RX = 0x104000, SKB_TX = 0x105000, DATA = 0x106000,
            PAGE = 0x108000;

    /** Memory from BASE, written through real member offsets. */
    static final class Mem implements VirtualMemory {
        final byte[] b = new byte[0x10000];

        @Override
        public void read(long va, byte[] dst, int off, int len) {
            if (va < BASE || va - BASE + len > b.length) {
                throw new MemoryAccessException(va, "not mapped");
            }
            System.arraycopy(b, (int) (va - BASE), dst, off, len);
        }

        void put(long a, long v, int size) {
            for (int i = 0; i < size; i++) {
                b[(int) (a - BASE) + i] = (byte) (v >>> (8 * i));
            }
        }
    }

    @Test
    void establishedConnectionWithTheRealLayout() throws IOException {
        Path v = KernelBuildBtf.vmlinux();
        Assumptions.assumeTrue(v != null, "no kernel build under ~/.cache/otherworld/kernel-src: skipped");
        KernelTypes t = new KernelTypes(Btf.parse(KernelBuildBtf.btfSection(v)));
        Mem m = new Mem();
        StructType sock = t.struct("sock"), tcp = t.struct("tcp_sock"), skb = t.struct("sk_buff");
        StructType cb = t.struct("tcp_skb_cb"), sh = t.struct("skb_shared_info"), head = t.struct("sk_buff_head");
        java.util.function.BiConsumer<String, long[]> s = (p, av) -> {
            var mem = sock.member(p);
            m.put(SOCK + mem.offset(), av[0], (int) mem.size());
        };
        s.accept("__sk_common.skc_family", new long[] {2});
        s.accept("__sk_common.skc_state", new long[] {1});
        s.accept("__sk_common.skc_num", new long[] {7777});
        s.accept("__sk_common.skc_dport", new long[] {Short.toUnsignedInt(Short.reverseBytes((short) 40000))});
        s.accept("__sk_common.skc_rcv_saddr", new long[] {0x0f02000aL});
        s.accept("__sk_common.skc_daddr", new long[] {0x0202000aL});
        s.accept("sk_type", new long[] {1});
        s.accept("sk_protocol", new long[] {6});
        java.util.function.BiConsumer<String, Long> tp = (p, val) -> {
            var mem = tcp.member(p);
            m.put(SOCK + mem.offset(), val, (int) mem.size());
        };
        tp.accept("snd_una", 100L);
        tp.accept("snd_nxt", 104L);
        tp.accept("write_seq", 104L);
        tp.accept("rcv_nxt", 203L);
        tp.accept("copied_seq", 200L);
        tp.accept("rx_opt.mss_clamp", 1460L);
        // receive queue: one skb, linear "xyz" at seq 200
        long rxq = SOCK + sock.member("sk_receive_queue").offset();
        long wq = SOCK + sock.member("sk_write_queue").offset();
        long next = head.member("next").offset(), prev = head.member("prev").offset(), qlen = head.member("qlen").offset();
        m.put(rxq + next, SKB_RX, 8);
        m.put(rxq + prev, SKB_RX, 8);
        m.put(rxq + qlen, 1, 4);
        m.put(SKB_RX + skb.member("next").offset(), rxq, 8);
        m.put(SKB_RX + skb.member("prev").offset(), rxq, 8);
        m.put(wq + next, wq, 8);
        m.put(wq + prev, wq, 8);
        long cbOff = skb.member("cb").offset();
        m.put(SKB_RX + cbOff + cb.member("seq").offset(), 200, 4);
        m.put(SKB_RX + cbOff + cb.member("end_seq").offset(), 203, 4);
        m.put(SKB_RX + skb.member("len").offset(), 3, 4);
        m.put(SKB_RX + skb.member("head").offset(), DATA, 8);
        m.put(SKB_RX + skb.member("data").offset(), DATA, 8);
        m.put(SKB_RX + skb.member("end").offset(), 0x400, (int) skb.member("end").size());
        m.put(DATA, 'x' | 'y' << 8 | 'z' << 16, 3);
        // retransmit queue: one skb, 4 bytes in a page fragment at seq 100
        m.put(SOCK + sock.member("tcp_rtx_queue").offset(), SKB_TX + skb.member("rbnode").offset(), 8);
        m.put(SKB_TX + cbOff + cb.member("seq").offset(), 100, 4);
        m.put(SKB_TX + cbOff + cb.member("end_seq").offset(), 104, 4);
        m.put(SKB_TX + skb.member("len").offset(), 4, 4);
        m.put(SKB_TX + skb.member("data_len").offset(), 4, 4);
        m.put(SKB_TX + skb.member("head").offset(), DATA + 0x1000, 8);
        m.put(SKB_TX + skb.member("data").offset(), DATA + 0x1000, 8);
        m.put(SKB_TX + skb.member("end").offset(), 0x400, (int) skb.member("end").size());
        long shTx = DATA + 0x1400;
        m.put(shTx + sh.member("nr_frags").offset(), 1, 1);
        long frag = shTx + sh.member("frags").offset();
        StructType bv = t.structById(sh.member("frags").elementTypeId());
        m.put(frag + bv.member("bv_page").offset(), 0xffffea0000001000L, 8);
        m.put(frag + bv.member("bv_len").offset(), 4, 4);
        m.put(frag + bv.member("bv_offset").offset(), 0x20, 4);
        m.put(PAGE + 0x20, 'a' | 'b' << 8 | 'c' << 16 | 'd' << 24, 4);

        InetSocketRead r = new InetSocketReader(t, m, page -> {
            assertEquals(0xffffea0000001000L, page);
            return PAGE;
        }).read(SOCK, 77);
        assertNotNull(r.image(), r.unrestored());
        TcpStreamImage st = r.image().stream();
        assertEquals("xyz", new String(st.inq(), StandardCharsets.US_ASCII));
        assertEquals("abcd", new String(st.outq(), StandardCharsets.US_ASCII));
        assertEquals(7777, r.image().srcPort());
        assertEquals(40000, r.image().dstPort());
        assertEquals(1460, st.mssClamp());
    }
}
