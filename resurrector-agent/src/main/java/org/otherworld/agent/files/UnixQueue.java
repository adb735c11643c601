package org.otherworld.agent.files;

import java.util.ArrayList;
import java.util.List;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Reads the messages queued on an AF_UNIX socket: its {@code sk_receive_queue} (a {@code struct
 * sk_buff_head}, a circular list of {@code struct sk_buff} through their first members {@code next} /
 * {@code prev}). Each skb's bytes are its linear data {@code data[0 .. len)}; unix sockets allocate
 * paged fragments only for large stream writes ({@code data_len != 0}), which are reported as
 * unsupported rather than read half. On a stream socket the reader may have consumed the head of the
 * first skb: {@code UNIXCB(skb).consumed} ({@code struct unix_skb_parms} in {@code skb->cb}) bytes are
 * skipped. An skb carrying file descriptors ({@code UNIXCB(skb).fp}, SCM_RIGHTS in flight) is
 * unsupported.
 */
public final class UnixQueue {
    /** Bound on the messages read from one queue (corrupt lists). */
    public static final int MAX_MESSAGES = 1 << 16;
    /** Bound on one message (unix datagrams are at most sk_sndbuf, a few MiB at most). */
    public static final long MAX_MESSAGE = 16L << 20;

    private UnixQueue() {
    }

    /** A queue the restore cannot express (descriptors in flight, paged data): the message names why. */
    public static final class UnsupportedQueueException extends RuntimeException {
        public UnsupportedQueueException(String message) {
            super(message);
        }
    }

    /**
     * The queued messages, oldest first.
     *
     * @param headAddr address of the sk_buff_head
     * @param stream   whether the socket is SOCK_STREAM (honour {@code consumed})
     * @throws UnsupportedQueueException for SCM_RIGHTS in flight or paged skb data
     * @throws IllegalArgumentException  for a corrupt list or lengths
     */
    public static List<byte[]> read(KernelTypes types, VirtualMemory kmem, long headAddr, boolean stream) {
        KObject head = types.object(kmem, "sk_buff_head", headAddr);
        long qlen = head.u32("qlen");
        String what = "sk_buff_head 0x" + Long.toHexString(headAddr);
        if (qlen > MAX_MESSAGES) {
            throw new IllegalArgumentException(what + ": qlen " + qlen);
        }
        long cbOff = types.struct("sk_buff").member("cb").offset();
        boolean hasParms = types.hasStruct("unix_skb_parms");
        List<byte[]> out = new ArrayList<>();
        long at = head.pointer("next");
        while (at != headAddr) {
            if (out.size() >= qlen || at == 0) {
                throw new IllegalArgumentException(what + ": list does not close after qlen " + qlen + " buffers");
            }
            KObject skb = types.object(kmem, "sk_buff", at);
            long len = skb.u32("len");
            long dataLen = skb.u32("data_len");
            if (dataLen != 0) {
                throw new UnsupportedQueueException("a queued message of " + len + " bytes keeps " + dataLen
                        + " of them in page fragments (not restored)");
            }
            long consumed = 0;
            if (hasParms) {
                KObject cb = types.object(kmem, "unix_skb_parms", at + cbOff);
                if (cb.pointer("fp") != 0) {
                    throw new UnsupportedQueueException("file descriptors in flight (SCM_RIGHTS) are not restored");
                }
                if (stream && types.hasMember("unix_skb_parms", "consumed")) {
                    consumed = cb.u32("consumed");
                }
            } else if (stream) {
                throw new UnsupportedQueueException("struct unix_skb_parms is not in the kernel's BTF");
            }
            if (len > MAX_MESSAGE || consumed > len) {
                throw new IllegalArgumentException(String.format("%s: sk_buff 0x%x has len %d, consumed %d", what, at,
                        len, consumed));
            }
            byte[] b = new byte[(int) (len - consumed)];
            if (b.length > 0) {
                kmem.read(skb.pointer("data") + consumed, b, 0, b.length);
            }
            if (b.length > 0 || !stream) {
                out.add(b);
            }
            at = skb.pointer("next");
        }
        return out;
    }
}
