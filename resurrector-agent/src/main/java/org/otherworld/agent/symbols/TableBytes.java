package org.otherworld.agent.symbols;

import java.util.Arrays;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * The bytes of a kernel table whose length is known only as a bound, read sequentially into one growing
 * array. When the bound is where the next table starts ({@code boundIsEnd}), the whole range is read in
 * one piece the first time bytes are needed (if it is readable); otherwise, and after such a read
 * failed, it is read page by page as far as decoding gets, never touching a page before the table or
 * past the last byte used. Errors name the table.
 */
final class TableBytes {
    private static final int PAGE = 4096;
    private final VirtualMemory vm;
    private final long base;
    private final String table;
    private final long limit;
    private final boolean boundIsEnd;
    private boolean whole;
    private byte[] buf;
    private int avail;

    /**
     * @param limit      offsets are below it: the table's end when {@code boundIsEnd}, else a sanity limit
     * @param boundIsEnd whether {@code limit} is where the next table starts (try one read of all of it)
     */
    TableBytes(VirtualMemory vm, long base, String table, long limit, boolean boundIsEnd) {
        this.vm = vm;
        this.base = base;
        this.table = table;
        this.limit = limit;
        this.boundIsEnd = boundIsEnd;
        this.whole = boundIsEnd;
        this.buf = new byte[(int) Math.min(limit, 64 << 10)];
    }

    /**
     * The bytes, holding at least offsets {@code [0, end)}; {@code item} and {@code index} name what is
     * being decoded, for messages ("symbol", 12).
     *
     * @throws KallsymsException if {@code end} is past the limit or a page cannot be read
     */
    byte[] upTo(long end, String item, int index) {
        if (end <= avail) {
            return buf;
        }
        if (end > limit) {
            throw new KallsymsException(table + ": " + item + " " + index + " runs past offset " + limit + " ("
                    + (boundIsEnd ? "where the next kallsyms table starts" : "the sanity limit") + ")");
        }
        if (whole) {
            whole = false;
            try {
                buf = vm.readBytes(base, (int) limit);
                avail = (int) limit;
                return buf;
            } catch (MemoryAccessException e) {
                // a hole before the next table: page by page, as far as decoding goes
            }
        }
        while (avail < end) {
            long addr = base + avail;
            int n = (int) Math.min(PAGE - (addr & (PAGE - 1)), limit - avail);
            if (avail + n > buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(limit, Math.max(2L * buf.length, avail + n)));
            }
            try {
                vm.read(addr, buf, avail, n);
            } catch (MemoryAccessException e) {
                throw new KallsymsException(table + ": unreadable at offset " + avail + " (" + item + " " + index + "): "
                        + e.getMessage(), e);
            }
            avail += n;
        }
        return buf;
    }

    /** The byte at {@code offset} (unsigned). */
    int u8(long offset, String item, int index) {
        return upTo(offset + 1, item, index)[(int) offset] & 0xff;
    }
}
