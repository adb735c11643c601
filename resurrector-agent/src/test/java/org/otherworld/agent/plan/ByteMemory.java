package org.otherworld.agent.plan;

import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/** A synthetic virtual memory: one byte array at a base address; anything else faults. */
final class ByteMemory implements VirtualMemory {
    final long base;
    final byte[] bytes;

    ByteMemory(long base, int size) {
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

    ByteMemory u64(long addr, long v) {
        LittleEndian.putU64(bytes, (int) (addr - base), v);
        return this;
    }

    ByteMemory u32(long addr, long v) {
        LittleEndian.putU32(bytes, (int) (addr - base), (int) v);
        return this;
    }

    ByteMemory u8(long addr, int v) {
        bytes[(int) (addr - base)] = (byte) v;
        return this;
    }

    ByteMemory str(long addr, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.arraycopy(b, 0, bytes, (int) (addr - base), b.length);
        return this;
    }
}
