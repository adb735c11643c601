package org.otherworld.agent.files;

import java.util.function.LongUnaryOperator;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.kernel.ListWalker;
import org.otherworld.agent.mm.XArrayLayout;
import org.otherworld.agent.symbols.SymbolTable;
import org.otherworld.agent.vmcore.PhysicalMemory;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * What the file readers need from a dead kernel: its types, kernel memory, symbols, physical memory,
 * the xarray layout and the struct page to physical address mapping. Built from a {@link DeadKernel}
 * with {@link #of}, or by hand in tests.
 *
 * @param types      the kernel's BTF types
 * @param kmem       the kernel virtual address space
 * @param symbols    kallsyms (used to recognise file/dentry operation tables by address)
 * @param phys       physical memory (page contents)
 * @param xarray     struct xarray / xa_node layout
 * @param pageToPhys struct page VA -&gt; physical address of that page
 */
public record FilesContext(KernelTypes types, VirtualMemory kmem, SymbolTable symbols, PhysicalMemory phys,
                           XArrayLayout xarray, LongUnaryOperator pageToPhys) {

    /** The context of a dead kernel. */
    public static FilesContext of(DeadKernel k) {
        return new FilesContext(k.types(), k.kernelMemory(), k.symbols(), k.physicalMemory(), k.xarrayLayout(),
                k::pageToPhys);
    }

    /** A typed view of {@code struct name} at {@code addr}. */
    public KObject object(String struct, long addr) {
        return new KObject(kmem, addr, types.struct(struct));
    }

    /** A list walker over kernel memory. */
    public ListWalker lists() {
        return new ListWalker(types, kmem);
    }

    /** The name of the symbol exactly at {@code addr}, or null if no symbol starts there. */
    public String symbolAt(long addr) {
        if (addr == 0) {
            return null;
        }
        return symbols.floor(addr).filter(s -> s.address() == addr).map(s -> s.name()).orElse(null);
    }

    /** The name of a superblock's file_system_type ({@code sb->s_type->name}), or null. */
    public String fsTypeName(KObject sb) {
        KObject t = sb.deref("s_type");
        return t == null ? null : kmem.readCString(t.pointer("name"), 64);
    }
}
