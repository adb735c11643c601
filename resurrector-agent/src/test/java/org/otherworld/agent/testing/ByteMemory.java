package org.otherworld.agent.testing;

import java.nio.charset.StandardCharsets;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Test fixture shared by the agent's packages: a synthetic virtual memory, one byte array mapped at a
 * base address; anything else is unreadable ({@link MemoryAccessException}). Setters write
 * little-endian values and return this, so a test builds kernel structures in a few lines.
 */
public final class ByteMemory implements VirtualMemory {
    public final long base;
    public final byte[] bytes;

    public ByteMemory(long base, int size) {
        this.base = base;
        this.bytes = new byte[size];
    }

    @Override
    public void read(long vaddr, byte[] dst, int off, int len) {
        long rel = vaddr - base;
        if (rel < 0 || rel + len > bytes.length) {
            throw new MemoryAccessException(vaddr, "test memory: not mapped");
        }
        System.arraycopy(bytes, (int) rel, dst, off, len);
    }

    public ByteMemory u64(long addr, long v) {
        LittleEndian.putU64(bytes, at(addr), v);
        return this;
    }

    public ByteMemory u32(long addr, long v) {
        LittleEndian.putU32(bytes, at(addr), (int) v);
        return this;
    }

    public ByteMemory u16(long addr, int v) {
        bytes[at(addr)] = (byte) v;
        bytes[at(addr) + 1] = (byte) (v >>> 8);
        return this;
    }

    public ByteMemory u8(long addr, int v) {
        bytes[at(addr)] = (byte) v;
        return this;
    }

    /** The string's bytes (ISO-8859-1; no terminating NUL added). */
    public ByteMemory str(long addr, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(b, 0, bytes, at(addr), b.length);
        return this;
    }

    private int at(long addr) {
        return (int) (addr - base);
    }
}
