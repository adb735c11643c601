package org.otherworld.agent.vmcore;

/**
 * A virtual address space of the crashed machine: the kernel's own, or one user process's.
 * All multi-byte values are little-endian (x86-64).
 */
public interface VirtualMemory {
    /**
     * Copies {@code len} bytes at virtual address {@code vaddr} into {@code dst}.
     *
     * @throws MemoryAccessException if any page of the range cannot be translated or read
     */
    void read(long vaddr, byte[] dst, int off, int len);

    default byte[] readBytes(long vaddr, int len) {
        byte[] b = new byte[len];
        read(vaddr, b, 0, len);
        return b;
    }

    default long readU64(long vaddr) {
        return LittleEndian.u64(readBytes(vaddr, 8), 0);
    }

    default int readU32(long vaddr) {
        return LittleEndian.u32(readBytes(vaddr, 4), 0);
    }

    default int readU16(long vaddr) {
        return LittleEndian.u16(readBytes(vaddr, 2), 0);
    }

    default int readU8(long vaddr) {
        return readBytes(vaddr, 1)[0] & 0xff;
    }

    /** Reads a NUL-terminated string of at most {@code max} bytes (ISO-8859-1 preserving bytes). */
    default String readCString(long vaddr, int max) {
        byte[] b = readBytes(vaddr, max);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
