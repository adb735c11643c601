package org.otherworld.agent.files;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;
import org.otherworld.agent.vmcore.VirtualMemory;

/** Test memory: 4 KiB pages created on first write; reads of unwritten pages fail. */
final class TestMemory implements VirtualMemory, PhysicalMemory {
    private final Map<Long, byte[]> pages = new HashMap<>();

    @Override
    public void read(long addr, byte[] dst, int off, int len) {
        for (int i = 0; i < len; i++) {
            byte[] p = pages.get((addr + i) >>> 12);
            if (p == null) {
                throw new MemoryAccessException(addr + i, "test memory: nothing at 0x" + Long.toHexString(addr + i));
            }
            dst[off + i] = p[(int) ((addr + i) & 4095)];
        }
    }

    @Override
    public boolean contains(long addr) {
        return pages.containsKey(addr >>> 12);
    }

    @Override
    public byte[] readBytes(long addr, int len) {
        byte[] b = new byte[len];
        read(addr, b, 0, len);
        return b;
    }

    @Override
    public long readU64(long addr) {
        return LittleEndian.u64(readBytes(addr, 8), 0);
    }

    TestMemory write(long addr, byte[] src) {
        for (int i = 0; i < src.length; i++) {
            pages.computeIfAbsent((addr + i) >>> 12, k -> new byte[4096])[(int) ((addr + i) & 4095)] = src[i];
        }
        return this;
    }

    TestMemory u64(long addr, long v) {
        byte[] b = new byte[8];
        LittleEndian.putU64(b, 0, v);
        return write(addr, b);
    }

    TestMemory u32(long addr, long v) {
        byte[] b = new byte[4];
        LittleEndian.putU32(b, 0, (int) v);
        return write(addr, b);
    }

    TestMemory u16(long addr, int v) {
        return write(addr, new byte[] {(byte) v, (byte) (v >>> 8)});
    }

    TestMemory u8(long addr, int v) {
        return write(addr, new byte[] {(byte) v});
    }

    TestMemory zero(long addr, int len) {
        return write(addr, new byte[len]);
    }

    TestMemory str(long addr, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        write(addr, b);
        return u8(addr + b.length, 0);
    }
}
