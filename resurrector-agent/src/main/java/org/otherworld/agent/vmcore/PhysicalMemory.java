package org.otherworld.agent.vmcore;

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
