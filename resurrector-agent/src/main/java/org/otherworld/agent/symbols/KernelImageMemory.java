package org.otherworld.agent.symbols;

import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;
import org.otherworld.agent.vmcore.VirtualMemory;
import org.otherworld.agent.vmcore.VmcoreInfo;

/**
 * The kernel image mapping of x86-64, without page tables: a virtual address {@code va} at or above
 * {@code __START_KERNEL_map} (0xffffffff80000000) is at physical {@code va - __START_KERNEL_map +
 * phys_base} (arch/x86/include/asm/page_64.h {@code __phys_addr_symbol}). Used to bootstrap
 * reading kallsyms and the page-table roots before a page-table walker is available.
 */
public final class KernelImageMemory implements VirtualMemory {
    /** arch/x86/include/asm/page_64_types.h: start of the kernel text mapping. */
    public static final long START_KERNEL_MAP = 0xffffffff80000000L;

    private final PhysicalMemory physical;
    private final long physBase;

    public KernelImageMemory(PhysicalMemory physical, long physBase) {
        this.physical = physical;
        this.physBase = physBase;
    }

    /** Uses VMCOREINFO's {@code NUMBER(phys_base)}. */
    public static KernelImageMemory fromVmcoreInfo(PhysicalMemory physical, VmcoreInfo info) {
        return new KernelImageMemory(physical, info.number("phys_base"));
    }

    /** The physical address of kernel image address {@code vaddr}. */
    public long toPhysical(long vaddr) {
        if (Long.compareUnsigned(vaddr, START_KERNEL_MAP) < 0) {
            throw new MemoryAccessException(vaddr, "not a kernel image address (below __START_KERNEL_map)");
        }
        return vaddr - START_KERNEL_MAP + physBase;
    }

    @Override
    public void read(long vaddr, byte[] dst, int off, int len) {
        long paddr = toPhysical(vaddr);
        if (len > 0 && vaddr + len - 1 < vaddr) {
            throw new MemoryAccessException(vaddr, "read of " + len + " bytes wraps the address space");
        }
        physical.read(paddr, dst, off, len);
    }

    public long physBase() {
        return physBase;
    }
}
