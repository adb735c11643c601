package org.otherworld.agent.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfBuilder;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.vmcore.MemoryAccessException;

/** {@link PipeRing} on a synthetic pipe_inode_info / pipe_buffer layout (the 6.1 member names). */
class PipeRingTest {
    static final long PIPE = 0xffff888000100000L, BUFS = 0xffff888000200000L, PAGE0 = 0xffffea0000000000L;
    static final int BUF_SIZE = 40;

    /** pipe_inode_info {u32 head 0, tail 4, max_usage 8, ring_size 12, readers 16, writers 20; bufs 24;
     *  watch_queue 32}; pipe_buffer {page 0, u32 offset 8, len 12, ops 16, u32 flags 24, private 32}. */
    static KernelTypes types() {
        BtfBuilder b = new BtfBuilder();
        int u32 = b.intType("unsigned int", 4, 0);
        int ul = b.intType("long unsigned int", 8, 0);
        int page = b.struct("page", 64).member("flags", ul, 0).id();
        int wq = b.struct("watch_queue", 8).member("x", ul, 0).id();
        int ops = b.struct("pipe_buf_operations", 8).member("x", ul, 0).id();
        int buf = b.struct("pipe_buffer", BUF_SIZE).member("page", b.ptr(page), 0).member("offset", u32, 64)
                .member("len", u32, 96).member("ops", b.ptr(ops), 128).member("flags", u32, 192)
                .member("private", ul, 256).id();
        b.struct("pipe_inode_info", 40).member("head", u32, 0).member("tail", u32, 32).member("max_usage", u32, 64)
                .member("ring_size", u32, 96).member("readers", u32, 128).member("writers", u32, 160)
                .member("bufs", b.ptr(buf), 192).member("watch_queue", b.ptr(wq), 256);
        return new KernelTypes(Btf.parse(b.build()));
    }

    final TestMemory mem = new TestMemory();
    final Map<Long, byte[]> pages = new HashMap<>();

    void pipe(long head, long tail, int ringSize, int maxUsage) {
        mem.u32(PIPE, head).u32(PIPE + 4, tail).u32(PIPE + 8, maxUsage).u32(PIPE + 12, ringSize).u32(PIPE + 16, 1)
                .u32(PIPE + 20, 2).u64(PIPE + 24, BUFS).u64(PIPE + 32, 0);
    }

    /** Slot {@code slot} holds page {@code n} whose bytes are (n, i); [offset, offset+len) is unread. */
    void buffer(int slot, int n, int offset, int len, int flags) {
        long at = BUFS + (long) slot * BUF_SIZE;
        long page = PAGE0 + n * 64L;
        byte[] data = new byte[4096];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (n * 17 + i);
        }
        pages.put(page, data);
        mem.u64(at, page).u32(at + 8, offset).u32(at + 12, len).u64(at + 16, 0x1234).u32(at + 24, flags)
                .u64(at + 32, 0);
    }

    byte[] expected(int n, int offset, int len) {
        byte[] d = pages.get(PAGE0 + n * 64L);
        byte[] out = new byte[len];
        System.arraycopy(d, offset, out, 0, len);
        return out;
    }

    PipeRing.Contents read() {
        return PipeRing.read(types(), mem, PIPE, (page, off, dst, dstOff, len) -> {
            byte[] d = pages.get(page);
            if (d == null) {
                throw new MemoryAccessException(page, "no such page");
            }
            System.arraycopy(d, (int) off, dst, dstOff, len);
        });
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.write(p, 0, p.length);
        }
        return o.toByteArray();
    }

    @Test
    void readsTheUnreadBytesOfAPartlyConsumedBufferThenFullOnes() {
        pipe(5, 2, 16, 16);
        buffer(2, 1, 1000, 3096, 0x10); // first buffer: 1000 bytes already read
        buffer(3, 2, 0, 4096, 0x10);
        buffer(4, 3, 0, 17, 0x10); // the writer's last, partly filled page
        buffer(5, 4, 0, 4096, 0); // beyond head: not in the pipe
        PipeRing.Contents c = read();
        assertArrayEquals(cat(expected(1, 1000, 3096), expected(2, 0, 4096), expected(3, 0, 17)), c.data());
        assertEquals(3, c.buffers());
        assertEquals(16 * 4096, c.capacity());
        assertEquals(1, c.readers());
        assertEquals(2, c.writers());
        assertNull(c.unsupported());
    }

    @Test
    void followsTheRingAcrossTheEndOfBufsAndTheCounterWrap() {
        // tail near 2^32: slots 14, 15 then 0, 1 of a 16-slot ring; head wrapped past zero
        long tail = 0xfffffffeL;
        pipe(2, tail, 16, 16);
        buffer(14, 1, 0, 100, 0);
        buffer(15, 2, 50, 50, 0);
        buffer(0, 3, 0, 4096, 0);
        buffer(1, 4, 0, 1, 0);
        PipeRing.Contents c = read();
        assertEquals(4, c.buffers());
        assertArrayEquals(cat(expected(1, 0, 100), expected(2, 50, 50), expected(3, 0, 4096), expected(4, 0, 1)),
                c.data());
    }

    @Test
    void anEmptyPipeHasNoBytes() {
        pipe(7, 7, 4, 4);
        PipeRing.Contents c = read();
        assertEquals(0, c.data().length);
        assertEquals(4 * 4096, c.capacity());
    }

    @Test
    void packetModeAndNotificationPipesAreMarkedUnsupported() {
        pipe(1, 0, 16, 16);
        buffer(0, 1, 0, 10, (int) PipeRing.PIPE_BUF_FLAG_PACKET);
        assertTrue(read().unsupported().contains("packet"), read().unsupported());
        pipe(0, 0, 16, 16);
        mem.u64(PIPE + 32, 0xffff888000300000L);
        assertTrue(read().unsupported().contains("watch_queue"));
    }

    @Test
    void inconsistentRingsAreRejectedWithTheReason() {
        pipe(20, 0, 16, 16);
        var e = assertThrows(IllegalArgumentException.class, this::read);
        assertTrue(e.getMessage().contains("exceeds ring_size 16"), e.getMessage());
        pipe(0, 0, 12, 12);
        e = assertThrows(IllegalArgumentException.class, this::read);
        assertTrue(e.getMessage().contains("ring_size 12"), e.getMessage());
        pipe(1, 0, 16, 16);
        buffer(0, 1, 0, 10, 0);
        mem.u64(BUFS, 0);
        e = assertThrows(IllegalArgumentException.class, this::read);
        assertTrue(e.getMessage().contains("page 0x0"), e.getMessage());
        pipe(1, 0, 16, 16);
        buffer(0, 1, 0, 10, 0);
        pages.clear();
        assertThrows(MemoryAccessException.class, this::read);
    }
}
