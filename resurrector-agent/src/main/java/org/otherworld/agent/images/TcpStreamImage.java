package org.otherworld.agent.images;

import java.util.Arrays;

/**
 * The TCP-repair state of an established connection: what CRIU 3.17 keeps in
 * {@code tcp-stream-<ino in hex>.img} (tcp_stream_entry followed by the raw queue bytes) and its
 * restore (libsoccr) sets through TCP_REPAIR. Sequence relations (soccr/soccr.c):
 * {@code inq_seq = rcv_nxt}, the receive queue holds the {@code inq_len} bytes before it (unread data
 * from {@code copied_seq}); {@code outq_seq = write_seq}, the send queue holds the {@code outq_len}
 * bytes before it (from {@code snd_una}), of which the last {@code unsq_len} were never sent
 * ({@code write_seq - snd_nxt}).
 *
 * @param inqSeq    rcv_nxt
 * @param outqSeq   write_seq
 * @param unsqLen   write_seq - snd_nxt (bytes of the send queue never sent)
 * @param optMask   TCPI_OPT_* bits of the options to restore: those negotiated at the handshake, and
 *                  WSCALE always (scales 0 when the connection has no scaling: restore must reset the
 *                  scale a repair-mode connect chose)
 * @param sndWscale the peer's window scale (rx_opt.snd_wscale)
 * @param rcvWscale our window scale (rx_opt.rcv_wscale)
 * @param mssClamp  rx_opt.mss_clamp
 * @param timestamp the TCP timestamp clock at the dump (ms clock + tsoffset); restore sets it with
 *                  TCP_TIMESTAMP so the peer sees timestamps continue
 * @param nodelay   TCP_NODELAY set
 * @param cork      TCP_CORK set
 * @param window    TCP_REPAIR_WINDOW values, or null
 * @param inq       unread receive-queue bytes (inq_len = length)
 * @param outq      send-queue bytes, unacknowledged then unsent (outq_len = length)
 */
public record TcpStreamImage(int inqSeq, int outqSeq, int unsqLen, int optMask, int sndWscale, int rcvWscale,
                             int mssClamp, int timestamp, boolean nodelay, boolean cork, Window window, byte[] inq,
                             byte[] outq) {
    /** TCPI_OPT_TIMESTAMPS, TCPI_OPT_SACK, TCPI_OPT_WSCALE (include/uapi/linux/tcp.h). */
    public static final int TCPI_OPT_TIMESTAMPS = 1, TCPI_OPT_SACK = 2, TCPI_OPT_WSCALE = 4;
    /** TCP_STREAM_MAGIC (criu/include/magic.h). */
    public static final int TCP_STREAM_MAGIC = 0x51465506;
    /** Largest queue the writer accepts (a corrupt length must not allocate gigabytes). */
    public static final int MAX_QUEUE = 64 << 20;

    /** The window state TCP_REPAIR_WINDOW restores (struct tcp_repair_window). */
    public record Window(int sndWl1, int sndWnd, int maxWindow, int rcvWnd, int rcvWup) {
    }

    public TcpStreamImage {
        if (inq == null || outq == null) {
            throw new IllegalArgumentException("tcp stream: queues must not be null");
        }
        if (inq.length > MAX_QUEUE || outq.length > MAX_QUEUE) {
            throw new IllegalArgumentException("tcp stream: queue of " + Math.max(inq.length, outq.length)
                    + " bytes is larger than " + MAX_QUEUE);
        }
        if (unsqLen < 0 || unsqLen > outq.length) {
            throw new IllegalArgumentException("tcp stream: unsent length " + unsqLen + " outside the send queue of "
                    + outq.length + " bytes");
        }
    }

    /** This state with another send queue ({@code write_seq} kept), unsent length and window. */
    public TcpStreamImage withSendQueue(byte[] sendQueue, int unsent, Window w) {
        return new TcpStreamImage(inqSeq, outqSeq, unsent, optMask, sndWscale, rcvWscale, mssClamp, timestamp, nodelay,
                cork, w, inq, sendQueue);
    }

    /** This state with another receive queue ending at {@code rcvNxt}. */
    public TcpStreamImage withReceiveQueue(int rcvNxt, byte[] receiveQueue) {
        return new TcpStreamImage(rcvNxt, outqSeq, unsqLen, optMask, sndWscale, rcvWscale, mssClamp, timestamp, nodelay,
                cork, window, receiveQueue, outq);
    }

    /** File name of the image of socket inode {@code ino} ("tcp-stream-%x.img", criu/image-desc.c). */
    public static String fileName(long ino) {
        return "tcp-stream-" + Long.toHexString(ino) + ".img";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TcpStreamImage t && inqSeq == t.inqSeq && outqSeq == t.outqSeq && unsqLen == t.unsqLen
                && optMask == t.optMask && sndWscale == t.sndWscale && rcvWscale == t.rcvWscale
                && mssClamp == t.mssClamp && timestamp == t.timestamp && nodelay == t.nodelay && cork == t.cork
                && java.util.Objects.equals(window, t.window) && Arrays.equals(inq, t.inq) && Arrays.equals(outq, t.outq);
    }

    @Override
    public int hashCode() {
        return 31 * Integer.hashCode(inqSeq) + Arrays.hashCode(outq);
    }

    @Override
    public String toString() {
        return String.format("tcp stream inq %d@%d outq %d@%d unsent %d opts 0x%x mss %d", inq.length,
                Integer.toUnsignedLong(inqSeq), outq.length, Integer.toUnsignedLong(outqSeq), unsqLen, optMask, mssClamp);
    }
}
