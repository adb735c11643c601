package org.otherworld.agent.vmcore;

/**
 * One PT_LOAD program header of the vmcore: physical range [{@code paddr}, {@code paddr + memSize})
 * whose first {@code fileSize} bytes are stored at {@code fileOffset}; the rest reads as zeros.
 */
public record LoadSegment(long paddr, long vaddr, long fileOffset, long fileSize, long memSize) {
    /** Exclusive end of the physical range. */
    public long paddrEnd() {
        return paddr + memSize;
    }

    @Override
    public String toString() {
        return String.format("PT_LOAD[paddr 0x%x-0x%x, vaddr 0x%x, offset 0x%x, filesz 0x%x]",
                paddr, paddrEnd(), vaddr, fileOffset, fileSize);
    }
}
