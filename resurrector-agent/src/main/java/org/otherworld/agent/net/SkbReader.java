package org.otherworld.agent.net;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Reads socket buffers of the dead kernel: the skbs of an {@code sk_buff_head} list or of an rbtree
 * ({@code tcp_rtx_queue}, {@code out_of_order_queue}) with their TCP sequence range
 * ({@code TCP_SKB_CB(skb)}: {@code struct tcp_skb_cb} in {@code skb->cb}), and their payload: the linear
 * part at {@code skb->data} ({@code len - data_len} bytes), then the page fragments listed in the
 * {@code skb_shared_info} at {@code skb->head + skb->end}. Every walk is bounded; an skb with a
 * {@code frag_list} (chained skbs) is refused.
 */
public final class SkbReader {
    /** Most skbs read from one queue. */
    public static final int MAX_SKBS = 1 << 16;
    /** TCPHDR_FIN, TCPHDR_SYN (include/net/tcp.h). */
    public static final int TCPHDR_FIN = 0x01, TCPHDR_SYN = 0x02;

    /** One skb with its TCP sequence range. */
    public record Segment(long skb, int seq, int endSeq, int flags, int len) {
    }

    private final KernelTypes types;
    private final VirtualMemory mem;
    private final LongUnaryOperator pageAddress;
    private final long cbOffset;

    /**
     * @param types       the dead kernel's types
     * @param mem         its kernel address space
     * @param pageAddress {@code struct page} address -&gt; kernel virtual address of the page's data
     */
    public SkbReader(KernelTypes types, VirtualMemory mem, LongUnaryOperator pageAddress) {
        this.types = types;
        this.mem = mem;
        this.pageAddress = pageAddress;
        this.cbOffset = types.struct("sk_buff").member("cb").offset();
    }

    /** The skbs of the {@code sk_buff_head} at {@code head}, in list order. */
    public List<Segment> list(long head, String what) {
        KObject h = types.object(mem, "sk_buff_head", head);
        long qlen = h.u32("qlen");
        List<Segment> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (long p = h.pointer("next"); p != head; ) {
            if (p == 0 || !seen.add(p) || out.size() >= MAX_SKBS) {
                throw new MemoryAccessException(p, what + ": broken skb list after " + out.size() + " skbs");
            }
            out.add(segment(p));
            p = types.object(mem, "sk_buff", p).pointer("next");
        }
        if (out.size() != qlen) {
            throw new MemoryAccessException(head, what + ": qlen " + qlen + " but " + out.size() + " skbs linked");
        }
        return out;
    }

    /** The skbs of the rbtree whose {@code rb_root} is at {@code root}, in tree (sequence) order. */
    public List<Segment> rbtree(long root, String what) {
        long rbOffset = types.struct("sk_buff").member("rbnode").offset();
        List<Segment> out = new ArrayList<>();
        Deque<Long> stack = new ArrayDeque<>();
        Set<Long> seen = new HashSet<>();
        long node = types.object(mem, "rb_root", root).pointer("rb_node");
        while (node != 0 || !stack.isEmpty()) {
            while (node != 0) {
                if (!seen.add(node) || seen.size() > MAX_SKBS) {
                    throw new MemoryAccessException(node, what + ": rbtree has a cycle or too many nodes");
                }
                stack.push(node);
                node = types.object(mem, "rb_node", node).pointer("rb_left");
            }
            long n = stack.pop();
            out.add(segment(n - rbOffset));
            node = types.object(mem, "rb_node", n).pointer("rb_right");
        }
        return out;
    }

    private Segment segment(long skb) {
        KObject s = types.object(mem, "sk_buff", skb);
        KObject cb = types.object(mem, "tcp_skb_cb", skb + cbOffset);
        return new Segment(skb, (int) cb.u32("seq"), (int) cb.u32("end_seq"), (int) cb.read("tcp_flags"),
                (int) s.u32("len"));
    }

    /**
     * {@code len} payload bytes of {@code skb} from payload offset {@code off}: the linear part first,
     * then the page fragments in order.
     */
    public byte[] payload(long skb, int off, int len) {
        KObject s = types.object(mem, "sk_buff", skb);
        long total = s.u32("len");
        long paged = s.u32("data_len");
        if (off < 0 || len < 0 || off + (long) len > total || paged > total) {
            throw new MemoryAccessException(skb, String.format("skb: %d bytes at %d outside its %d (paged %d)", len,
                    off, total, paged));
        }
        byte[] out = new byte[len];
        int done = 0;
        long linear = total - paged;
        long data = s.pointer("data");
        if (off < linear) {
            int n = (int) Math.min(len, linear - off);
            mem.read(data + off, out, 0, n);
            done = n;
        }
        if (done == len) {
            return out;
        }
        KObject shinfo = sharedInfo(s);
        if (shinfo.pointer("frag_list") != 0) {
            throw new MemoryAccessException(skb, "skb has a frag_list (chained skbs are not read)");
        }
        int nr = (int) shinfo.u8("nr_frags");
        long fragsCap = shinfo.m("frags").arrayLength();
        if (nr > fragsCap) {
            throw new MemoryAccessException(skb, "skb: nr_frags " + nr + " > " + fragsCap);
        }
        long pos = linear; // payload offset where the current fragment starts
        for (int i = 0; i < nr && done < len; i++) {
            KObject f = shinfo.element("frags", i);
            long fl = f.u32("bv_len");
            long want = off + done; // next payload offset to copy
            if (want < pos + fl) {
                long in = want - pos;
                int n = (int) Math.min(len - done, fl - in);
                long page = f.pointer("bv_page");
                if (page == 0) {
                    throw new MemoryAccessException(skb, "skb fragment " + i + " has no page");
                }
                // bv_offset may exceed a page for compound pages: the pages are contiguous in the direct map
                mem.read(pageAddress.applyAsLong(page) + f.u32("bv_offset") + in, out, done, n);
                done += n;
            }
            pos += fl;
        }
        if (done != len) {
            throw new MemoryAccessException(skb, "skb: fragments hold " + (pos - linear) + " bytes, data_len " + paged);
        }
        return out;
    }

    private KObject sharedInfo(KObject s) {
        var end = s.m("end");
        long head = s.pointer("head");
        long at = end.isPointer() ? s.pointer(end) : head + s.u32(end); // sk_buff_data_t: offset on 64-bit
        return types.object(mem, "skb_shared_info", at);
    }
}
