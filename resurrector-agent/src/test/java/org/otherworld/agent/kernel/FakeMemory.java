package org.otherworld.agent.kernel;

import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/** A synthetic virtual memory: one byte array mapped at a base address; anything else is unreadable. */
final class FakeMemory implements VirtualMemory {
    final long base;
    final byte[] bytes;

    FakeMemory(long base, int size) {
        this.base = base;
        this.bytes = new byte[size];
    }

    @Override
    public void read(long vaddr, byte[] dst, int off, int len) {
        long rel = vaddr - base;
        if (rel < 0 || rel + len > bytes.length) {
            throw new MemoryAccessException(vaddr, "fake memory: not mapped");
        }
        System.arraycopy(bytes, (int) rel, dst, off, len);
    }

    FakeMemory u64(long addr, long v) {
        LittleEndian.putU64(bytes, (int) (addr - base), v);
        return this;
    }

    FakeMemory u32(long addr, int v) {
        LittleEndian.putU32(bytes, (int) (addr - base), v);
        return this;
    }

    FakeMemory u16(long addr, int v) {
        bytes[(int) (addr - base)] = (byte) v;
        bytes[(int) (addr - base) + 1] = (byte) (v >>> 8);
        return this;
    }

    FakeMemory u8(long addr, int v) {
        bytes[(int) (addr - base)] = (byte) v;
        return this;
    }

    FakeMemory str(long addr, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        System.arraycopy(b, 0, bytes, (int) (addr - base), b.length);
        return this;
    }
}
