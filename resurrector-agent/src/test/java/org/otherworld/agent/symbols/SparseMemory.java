package org.otherworld.agent.symbols;

import java.util.Map;
import java.util.TreeMap;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/** A synthetic virtual memory made of 4 KiB pages; unmapped pages fault like a real address space. */
final class SparseMemory implements VirtualMemory {
    private final TreeMap<Long, byte[]> pages = new TreeMap<>(Long::compareUnsigned);

    /** Copies {@code data} to {@code addr}, mapping the pages it touches. */
    SparseMemory put(long addr, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long a = addr + i;
            pages.computeIfAbsent(a & ~0xfffL, k -> new byte[4096])[(int) (a & 0xfff)] = data[i];
        }
        return this;
    }

    @Override
    public void read(long vaddr, byte[] dst, int off, int len) {
        for (int i = 0; i < len; i++) {
            long a = vaddr + i;
            byte[] p = pages.get(a & ~0xfffL);
            if (p == null) {
                throw new MemoryAccessException(a, "unmapped test page");
            }
            dst[off + i] = p[(int) (a & 0xfff)];
        }
    }

    Map<Long, byte[]> pages() {
        return pages;
    }
}
