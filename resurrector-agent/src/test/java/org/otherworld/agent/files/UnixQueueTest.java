package org.otherworld.agent.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfBuilder;
import org.otherworld.agent.kernel.KernelTypes;

/** {@link UnixQueue} on a synthetic sk_buff_head / sk_buff / unix_skb_parms layout. */
class UnixQueueTest {
    static final long HEAD = 0xffff888000010000L, SKB0 = 0xffff888000020000L, DATA0 = 0xffff888000030000L;
    /** sk_buff: next 0, prev 8, cb[48] at 40, len 88, data_len 92, data 96 (size 104). */
    static final int CB = 40, LEN = 88, DATA_LEN = 92, DATA = 96;
    /** unix_skb_parms: pid 0, uid 8, gid 12, fp 16, secid 24, consumed 28. */
    static final int FP = 16, CONSUMED = 28;

    static KernelTypes types() {
        BtfBuilder b = new BtfBuilder();
        int u32 = b.intType("unsigned int", 4, 0);
        int chr = b.intType("char", 1, BtfBuilder.SIGNED | BtfBuilder.CHAR);
        int uchr = b.intType("unsigned char", 1, 0);
        int i32 = b.intType("int", 4, BtfBuilder.SIGNED);
        BtfBuilder.Composite skb = b.struct("sk_buff", 104);
        int skbp = b.ptr(skb.id());
        skb.member("next", skbp, 0).member("prev", skbp, 64).member("cb", b.array(chr, i32, 48), CB * 8)
                .member("len", u32, LEN * 8).member("data_len", u32, DATA_LEN * 8).member("data", b.ptr(uchr), DATA * 8);
        b.struct("sk_buff_head", 24).member("next", skbp, 0).member("prev", skbp, 64).member("qlen", u32, 128);
        int pid = b.struct("pid", 8).member("x", u32, 0).id();
        int fpl = b.struct("scm_fp_list", 8).member("count", i32, 0).id();
        b.struct("unix_skb_parms", 32).member("pid", b.ptr(pid), 0).member("uid", u32, 64).member("gid", u32, 96)
                .member("fp", b.ptr(fpl), 128).member("secid", u32, 192).member("consumed", u32, 224);
        return new KernelTypes(Btf.parse(b.build()));
    }

    final TestMemory mem = new TestMemory();

    /** Queue of skbs with these payloads; skb i at SKB0 + i*0x200, data at DATA0 + i*0x1000. */
    void queue(String... payloads) {
        int n = payloads.length;
        mem.u64(HEAD, n == 0 ? HEAD : SKB0).u64(HEAD + 8, n == 0 ? HEAD : SKB0 + (n - 1) * 0x200L).u32(HEAD + 16, n);
        for (int i = 0; i < n; i++) {
            long at = SKB0 + i * 0x200L;
            byte[] d = payloads[i].getBytes(StandardCharsets.US_ASCII);
            mem.u64(at, i == n - 1 ? HEAD : at + 0x200).u64(at + 8, i == 0 ? HEAD : at - 0x200)
                    .write(at + CB, new byte[48]).u32(at + LEN, d.length).u32(at + DATA_LEN, 0)
                    .u64(at + DATA, DATA0 + i * 0x1000L).write(DATA0 + i * 0x1000L, d);
        }
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    @Test
    void streamQueueSkipsWhatTheReaderConsumed() {
        queue("hello world", "second", "third!");
        mem.u32(SKB0 + CB + CONSUMED, 6); // "hello " already read
        List<byte[]> q = UnixQueue.read(types(), mem, HEAD, true);
        assertEquals(3, q.size());
        assertEquals("world", s(q.get(0)));
        assertEquals("second", s(q.get(1)));
        assertEquals("third!", s(q.get(2)));
    }

    @Test
    void datagramsKeepTheirBoundariesAndIgnoreConsumed() {
        queue("a", "", "ccc");
        mem.u32(SKB0 + CB + CONSUMED, 1);
        List<byte[]> q = UnixQueue.read(types(), mem, HEAD, false);
        assertEquals(List.of("a", "", "ccc"), q.stream().map(UnixQueueTest::s).toList());
        queue();
        assertEquals(0, UnixQueue.read(types(), mem, HEAD, false).size());
    }

    @Test
    void descriptorsInFlightAndPagedDataAreUnsupported() {
        queue("x", "y");
        mem.u64(SKB0 + 0x200 + CB + FP, 0xffff888000500000L);
        var e = assertThrows(UnixQueue.UnsupportedQueueException.class, () -> UnixQueue.read(types(), mem, HEAD, true));
        assertTrue(e.getMessage().contains("SCM_RIGHTS"), e.getMessage());
        queue("x", "y");
        mem.u32(SKB0 + DATA_LEN, 4096).u32(SKB0 + LEN, 4097);
        e = assertThrows(UnixQueue.UnsupportedQueueException.class, () -> UnixQueue.read(types(), mem, HEAD, true));
        assertTrue(e.getMessage().contains("page fragments"), e.getMessage());
    }

    @Test
    void aListLongerThanQlenIsCorrupt() {
        queue("x", "y");
        mem.u32(HEAD + 16, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> UnixQueue.read(types(), mem, HEAD, true));
        assertTrue(e.getMessage().contains("qlen 1"), e.getMessage());
        queue("abc");
        mem.u32(SKB0 + CB + CONSUMED, 9);
        assertThrows(IllegalArgumentException.class, () -> UnixQueue.read(types(), mem, HEAD, true));
    }
}
