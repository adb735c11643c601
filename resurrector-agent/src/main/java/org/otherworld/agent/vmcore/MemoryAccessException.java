package org.otherworld.agent.vmcore;

/**
 * A read of the dead kernel's memory could not be satisfied: the address is not backed by the
 * vmcore, a page-table walk hit a non-present or insane entry, or a structure walk left the
 * bounds it is allowed. The message always names the address and what was being read.
 */
public class MemoryAccessException extends RuntimeException {
    private final long address;

    public MemoryAccessException(long address, String message) {
        super(message + " (address 0x" + Long.toHexString(address) + ")");
        this.address = address;
    }

    public MemoryAccessException(long address, String message, Throwable cause) {
        super(message + " (address 0x" + Long.toHexString(address) + ")", cause);
        this.address = address;
    }

    public long address() {
        return address;
    }
}
