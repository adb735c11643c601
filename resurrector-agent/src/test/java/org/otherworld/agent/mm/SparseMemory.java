package org.otherworld.agent.mm;

import java.util.HashMap;
import java.util.Map;

import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;
import org.otherworld.agent.vmcore.VirtualMemory;

/** Test memory: 4 KiB pages allocated on first write; reads of unwritten pages fail. */
final class SparseMemory {
    private final Map<Long, byte[]> pages = new HashMap<>();
    int reads;

    byte[] page(long addr, boolean create) {
        long key = addr >>> 12;
        byte[] p = pages.get(key);
        if (p == null && create) {
            p = new byte[4096];
            pages.put(key, p);
        }
        return p;
    }

    boolean contains(long addr) {
        return pages.containsKey(addr >>> 12);
    }

    void read(long addr, byte[] dst, int off, int len) {
        reads++;
        for (int i = 0; i < len; i++) {
            byte[] p = page(addr + i, false);
            if (p == null) {
                throw new MemoryAccessException(addr + i, "test memory: nothing at this address");
            }
            dst[off + i] = p[(int) ((addr + i) & 4095)];
        }
    }

    void write(long addr, byte[] src) {
        for (int i = 0; i < src.length; i++) {
            page(addr + i, true)[(int) ((addr + i) & 4095)] = src[i];
        }
    }

    void putU64(long addr, long v) {
        byte[] b = new byte[8];
        LittleEndian.putU64(b, 0, v);
        write(addr, b);
    }

    void putU8(long addr, int v) {
        write(addr, new byte[] {(byte) v});
    }

    void fill(long addr, int len, int value) {
        byte[] b = new byte[len];
        java.util.Arrays.fill(b, (byte) value);
        write(addr, b);
    }

    PhysicalMemory phys() {
        return new PhysicalMemory() {
            @Override
            public void read(long paddr, byte[] dst, int off, int len) {
                SparseMemory.this.read(paddr, dst, off, len);
            }

            @Override
            public boolean contains(long paddr) {
                return SparseMemory.this.contains(paddr);
            }
        };
    }

    VirtualMemory virt() {
        return SparseMemory.this::read;
    }
}
