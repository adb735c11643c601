package org.otherworld.agent.symbols;

import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Sequential byte access to a kernel table of unknown length: reads up to the next 4 KiB page
 * boundary at a time, so it never touches memory before the table start or a page past the last
 * byte actually used. Offsets are bounded by {@code limit}.
 */
final class PagedReader {
    private static final int PAGE = 4096;
    private final VirtualMemory vm;
    private final long base;
    private final String table;
    private final long limit;
    private final byte[] buf = new byte[PAGE];
    private long bufStart = -1;
    private int bufLen;

    PagedReader(VirtualMemory vm, long base, String table, long limit) {
        this.vm = vm;
        this.base = base;
        this.table = table;
        this.limit = limit;
    }

    int u8(long offset) {
        if (offset < 0 || offset >= limit) {
            throw new KallsymsException(table + ": offset " + offset + " beyond the sanity limit of " + limit + " bytes");
        }
        if (bufStart < 0 || offset < bufStart || offset >= bufStart + bufLen) {
            long addr = base + offset;
            int n = (int) (PAGE - (addr & (PAGE - 1)));
            try {
                vm.read(addr, buf, 0, n);
            } catch (MemoryAccessException e) {
                throw new KallsymsException(table + ": unreadable at offset " + offset + ": " + e.getMessage(), e);
            }
            bufStart = offset;
            bufLen = n;
        }
        return buf[(int) (offset - bufStart)] & 0xff;
    }
}
