package org.otherworld.agent.robustness;

import java.util.Map;
import java.util.TreeMap;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;

/**
 * A physical memory that reads through to a real dump but returns patched bytes at chosen physical
 * addresses, and can hide everything from a given address up (a truncated dump): corruption without
 * copying the dump. Patches are kept byte by byte, so it suits up to a few thousand patched bytes.
 */
final class CorruptingMemory implements PhysicalMemory {
    private final PhysicalMemory base;
    private final TreeMap<Long, Byte> patches = new TreeMap<>();
    private long limit = Long.MAX_VALUE;

    CorruptingMemory(PhysicalMemory base) {
        this.base = base;
    }

    /** Removes every patch and the truncation. */
    void clear() {
        patches.clear();
        limit = Long.MAX_VALUE;
    }

    /** Physical addresses at or above {@code pa} read as missing from the dump. */
    void truncateAt(long pa) {
        limit = pa;
    }

    void put(long pa, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            patches.put(pa + i, bytes[i]);
        }
    }

    void putU64(long pa, long v) {
        byte[] b = new byte[8];
        LittleEndian.putU64(b, 0, v);
        put(pa, b);
    }

    void putU32(long pa, int v) {
        byte[] b = new byte[4];
        LittleEndian.putU32(b, 0, v);
        put(pa, b);
    }

    /** Flips bit {@code bit} (0..7) of the byte at {@code pa} (on top of earlier patches). */
    void flipBit(long pa, int bit) {
        byte cur = readBytes(pa, 1)[0];
        patches.put(pa, (byte) (cur ^ (1 << bit)));
    }

    int patchCount() {
        return patches.size();
    }

    @Override
    public void read(long paddr, byte[] dst, int off, int len) {
        if (len > 0 && (paddr >= limit || paddr + len > limit)) {
            throw new MemoryAccessException(Math.max(paddr, limit), "test overlay: dump truncated at 0x"
                    + Long.toHexString(limit));
        }
        base.read(paddr, dst, off, len);
        for (Map.Entry<Long, Byte> e : patches.subMap(paddr, paddr + len).entrySet()) {
            dst[off + (int) (e.getKey() - paddr)] = e.getValue();
        }
    }

    @Override
    public boolean contains(long paddr) {
        return paddr < limit && base.contains(paddr);
    }
}
