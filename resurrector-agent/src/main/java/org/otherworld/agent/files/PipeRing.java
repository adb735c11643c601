package org.otherworld.agent.files;

import java.io.ByteArrayOutputStream;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Reads the unread bytes of a pipe or FIFO from its {@code struct pipe_inode_info} (fs/pipe.c, Linux
 * 5.5+ ring layout): the slots {@code tail .. head-1} (free-running unsigned counters, slot index
 * {@code i & (ring_size - 1)}) of the {@code bufs[]} array of {@code struct pipe_buffer}; each buffer's
 * bytes are {@code [offset, offset + len)} of its {@code page}. A partly read buffer simply has a larger
 * offset and smaller len, so the result is exactly what the next read() would have returned.
 */
public final class PipeRing {
    /** PIPE_BUF_FLAG_PACKET (include/linux/pipe_fs_i.h): the pipe is in packet mode (O_DIRECT). */
    public static final long PIPE_BUF_FLAG_PACKET = 0x08;
    /** x86-64 page size; one pipe buffer covers at most one (compound) page run. */
    public static final int PAGE_SIZE = 4096;
    /** Upper bound on ring_size (pipe-max-size 1 MiB / PAGE_SIZE is 256; allow larger, but not garbage). */
    public static final int MAX_RING = 1 << 16;
    /** Upper bound on one buffer's length (a huge page at most). */
    public static final long MAX_BUF_LEN = 2L << 20;

    private PipeRing() {
    }

    /** Reads {@code len} bytes at byte {@code offset} of the page run starting at {@code structPage}. */
    @FunctionalInterface
    public interface PageBytes {
        void read(long structPage, long offset, byte[] dst, int dstOff, int len);
    }

    /**
     * The state of one pipe.
     *
     * @param address     the pipe_inode_info
     * @param head        pipe->head
     * @param tail        pipe->tail
     * @param ringSize    pipe->ring_size (slots)
     * @param maxUsage    pipe->max_usage (slots usable by writers; capacity = maxUsage * PAGE_SIZE)
     * @param readers     pipe->readers (open read ends)
     * @param writers     pipe->writers (open write ends)
     * @param data        the unread bytes, oldest first
     * @param buffers     how many buffers held them
     * @param unsupported why the pipe cannot be restored as a plain pipe (packet mode, notification
     *                    pipe), or null
     */
    public record Contents(long address, long head, long tail, int ringSize, int maxUsage, int readers, int writers,
                           byte[] data, int buffers, String unsupported) {
        /** The capacity in bytes, as F_GETPIPE_SZ returns it. */
        public int capacity() {
            return maxUsage * PAGE_SIZE;
        }
    }

    /**
     * Reads the pipe at {@code pipeAddr}.
     *
     * @throws MemoryAccessException      if the pipe or a buffer page is unreadable
     * @throws IllegalArgumentException   if the ring is inconsistent (one-line reason naming the pipe)
     */
    public static Contents read(KernelTypes types, VirtualMemory kmem, long pipeAddr, PageBytes pages) {
        KObject p = types.object(kmem, "pipe_inode_info", pipeAddr);
        String what = "pipe_inode_info 0x" + Long.toHexString(pipeAddr);
        long head = p.u32("head");
        long tail = p.u32("tail");
        int ringSize = (int) p.u32("ring_size");
        int maxUsage = types.hasMember("pipe_inode_info", "max_usage") ? (int) p.u32("max_usage") : ringSize;
        if (ringSize <= 0 || ringSize > MAX_RING || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException(what + ": ring_size " + ringSize + " is not a power of two in 1.." + MAX_RING);
        }
        if (maxUsage <= 0 || maxUsage > ringSize) {
            throw new IllegalArgumentException(what + ": max_usage " + maxUsage + " outside 1..ring_size " + ringSize);
        }
        long used = (head - tail) & 0xffffffffL; // pipe_occupancy(): unsigned difference
        if (used > ringSize) {
            throw new IllegalArgumentException(what + ": head " + head + " - tail " + tail + " = " + used
                    + " exceeds ring_size " + ringSize);
        }
        int readers = (int) p.u32("readers");
        int writers = (int) p.u32("writers");
        String unsupported = null;
        if (types.hasMember("pipe_inode_info", "watch_queue") && p.pointer("watch_queue") != 0) {
            unsupported = "notification pipe (watch_queue)";
        }
        long bufs = p.pointer("bufs");
        if (bufs == 0 && used > 0) {
            throw new IllegalArgumentException(what + ": " + used + " buffers in use but bufs is NULL");
        }
        long bufSize = types.sizeOf("pipe_buffer");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long total = 0;
        for (long i = 0; i < used; i++) {
            long slot = (tail + i) & (ringSize - 1);
            KObject b = types.object(kmem, "pipe_buffer", bufs + slot * bufSize);
            long page = b.pointer("page");
            long offset = b.u32("offset");
            long len = b.u32("len");
            long flags = b.read("flags");
            if ((flags & PIPE_BUF_FLAG_PACKET) != 0 && unsupported == null) {
                unsupported = "packet-mode pipe (O_DIRECT)";
            }
            if (len == 0) {
                continue;
            }
            if (page == 0 || len > MAX_BUF_LEN || offset + len > MAX_BUF_LEN) {
                throw new IllegalArgumentException(String.format("%s: buffer %d (slot %d) has page 0x%x offset %d len %d",
                        what, i, slot, page, offset, len));
            }
            total += len;
            if (total > (long) ringSize * MAX_BUF_LEN) {
                throw new IllegalArgumentException(what + ": more unread bytes than the ring can hold");
            }
            byte[] chunk = new byte[(int) len];
            pages.read(page, offset, chunk, 0, (int) len);
            out.write(chunk, 0, chunk.length);
        }
        return new Contents(pipeAddr, head, tail, ringSize, maxUsage, readers, writers, out.toByteArray(), (int) used,
                unsupported);
    }
}
