package org.otherworld.agent.mm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * One swap area of the dead kernel: its block device and the extents mapping swap slots to blocks of
 * that device, read from {@code swap_info[type]}.
 *
 * <p>setup_swap_extents() (mm/swapfile.c, v6.1) always builds the extent tree: one extent
 * {0, max, 0} for a swap partition, the file's block runs for a swap file. A slot maps to device byte
 * {@code (start_block + offset - start_page) * PAGE_SIZE} (map_swap_entry(), swap_page_sector()).
 *
 * @param type    the swap type
 * @param dev     the kernel dev_t of {@code bdev->bd_dev} (major &lt;&lt; 20 | minor)
 * @param max     {@code si->max}: slots of the area, the header page 0 included
 * @param extents the extents by ascending start page
 */
public record SwapDeviceMap(int type, int dev, long max, List<Extent> extents) {
    /** MINORBITS (include/linux/kdev_t.h): the kernel dev_t keeps the minor in its low 20 bits. */
    public static final int MINOR_BITS = 20;
    /** Bound on extents read (a fragmented swap file has at most one per page; real ones far fewer). */
    public static final int MAX_EXTENTS = 1 << 20;

    /** struct swap_extent: slots [startPage, startPage + nrPages) are device pages from startBlock on. */
    public record Extent(long startPage, long nrPages, long startBlock) {
    }

    public SwapDeviceMap {
        extents = List.copyOf(extents);
    }

    public int major() {
        return dev >>> MINOR_BITS;
    }

    public int minor() {
        return dev & ((1 << MINOR_BITS) - 1);
    }

    /** The device byte offset of slot {@code offset}, or -1 if no extent maps it. */
    public long deviceOffset(long offset) {
        int lo = 0;
        int hi = extents.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Extent e = extents.get(mid);
            if (offset < e.startPage()) {
                hi = mid - 1;
            } else if (offset - e.startPage() >= e.nrPages()) {
                lo = mid + 1;
            } else {
                return (e.startBlock() + offset - e.startPage()) * X86PageBits.PAGE_SIZE;
            }
        }
        return -1;
    }

    /**
     * Reads {@code swap_info[type]}; null if that type is unused.
     *
     * @throws MemoryAccessException naming the broken part if the structures are unreadable or inconsistent
     * @throws UnsupportedOperationException if the area is swapped through filesystem operations (no block map)
     */
    public static SwapDeviceMap read(VirtualMemory kmem, SwapDeviceLayout l, int type) {
        if (type < 0 || type >= l.maxSwapFiles()) {
            return null;
        }
        long sis = kmem.readU64(l.swapInfo() + 8L * type);
        if (sis == 0) {
            return null;
        }
        String where = "swap_info[" + type + "] 0x" + Long.toHexString(sis);
        long flags = kmem.readU64(sis + l.flagsOffset());
        if ((flags & l.swpUsed()) == 0 || (flags & l.swpWriteOk()) == 0) {
            return null; // free slot, or swapon not finished / swapoff under way
        }
        if ((flags & l.swpFsOps()) != 0) {
            throw new UnsupportedOperationException(where + ": swap through filesystem operations (SWP_FS_OPS),"
                    + " no block mapping to read");
        }
        long max = kmem.readU32(sis + l.maxOffset()) & 0xffffffffL;
        long bdev = kmem.readU64(sis + l.bdevOffset());
        if (bdev == 0) {
            throw new MemoryAccessException(sis, where + ": bdev is NULL");
        }
        int dev = kmem.readU32(bdev + l.bdDevOffset());
        List<Extent> extents = extents(kmem, l, sis + l.extentRootOffset(), max, where);
        return new SwapDeviceMap(type, dev, max, extents);
    }

    /** In-order walk of the extent rb-tree, bounded, checking that extents are ordered and inside [0, max). */
    private static List<Extent> extents(VirtualMemory kmem, SwapDeviceLayout l, long rootSlot, long max, String where) {
        List<Extent> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        Deque<Long> stack = new ArrayDeque<>();
        long node = kmem.readU64(rootSlot);
        long nextStart = 0;
        while (node != 0 || !stack.isEmpty()) {
            while (node != 0) {
                if (node > 0 || (node & 7) != 0) {
                    throw new MemoryAccessException(node, where + ": swap extent node 0x" + Long.toHexString(node)
                            + " is not an aligned kernel address");
                }
                if (!seen.add(node)) {
                    throw new MemoryAccessException(node, where + ": swap extent tree has a cycle at 0x"
                            + Long.toHexString(node));
                }
                if (seen.size() > MAX_EXTENTS || seen.size() > max + 1) {
                    throw new MemoryAccessException(node, where + ": more swap extents than pages or than " + MAX_EXTENTS);
                }
                stack.push(node);
                node = kmem.readU64(node + l.rbLeftOffset());
            }
            long n = stack.pop();
            long ext = n - l.extentNodeOffset();
            long start = kmem.readU64(ext + l.startPageOffset());
            long count = kmem.readU64(ext + l.nrPagesOffset());
            long block = kmem.readU64(ext + l.startBlockOffset());
            if (start < nextStart || count <= 0 || count > max || start > max - count || block < 0
                    || block > (Long.MAX_VALUE / X86PageBits.PAGE_SIZE) - count) {
                throw new MemoryAccessException(ext, where + ": swap extent 0x" + Long.toHexString(ext) + " [page 0x"
                        + Long.toHexString(start) + " +0x" + Long.toHexString(count) + " -> block 0x"
                        + Long.toHexString(block) + "] is out of order or outside the area's 0x" + Long.toHexString(max)
                        + " pages");
            }
            out.add(new Extent(start, count, block));
            nextStart = start + count;
            node = kmem.readU64(n + l.rbRightOffset());
        }
        return out;
    }
}
