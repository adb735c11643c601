package org.otherworld.agent.vmcore;

import java.nio.ByteBuffer;

/**
 * The physical memory of the crashed machine, as far as the dump holds it.
 * Implementations: the ELF vmcore reader, and synthetic memories in tests.
 */
public interface PhysicalMemory {
    /**
     * Copies {@code len} bytes starting at physical address {@code paddr} into {@code dst}.
     * Ranges the dump declares but does not store (p_filesz &lt; p_memsz) read as zeros.
     *
     * @throws MemoryAccessException if any byte of the range is outside every dumped range
     */
    void read(long paddr, byte[] dst, int off, int len);

    /**
     * Copies {@code len} bytes starting at {@code paddr} into {@code dst} at its position, advancing the
     * position by {@code len}: the bulk path for page images (one call per run of physically contiguous
     * pages). The default goes through a temporary array; the vmcore reader copies straight from its
     * file into the buffer.
     *
     * @throws MemoryAccessException as {@link #read(long, byte[], int, int)}
     */
    default void read(long paddr, ByteBuffer dst, int len) {
        if (dst.hasArray()) {
            read(paddr, dst.array(), dst.arrayOffset() + dst.position(), len);
            dst.position(dst.position() + len);
            return;
        }
        byte[] tmp = new byte[Math.min(len, 1 << 16)];
        for (int done = 0; done < len; ) {
            int n = Math.min(tmp.length, len - done);
            read(paddr + done, tmp, 0, n);
            dst.put(tmp, 0, n);
            done += n;
        }
    }

    /** Whether the byte at {@code paddr} is inside a dumped range. */
    boolean contains(long paddr);

    default byte[] readBytes(long paddr, int len) {
        byte[] b = new byte[len];
        read(paddr, b, 0, len);
        return b;
    }

    default long readU64(long paddr) {
        byte[] b = new byte[8];
        read(paddr, b, 0, 8);
        return LittleEndian.u64(b, 0);
    }
}
