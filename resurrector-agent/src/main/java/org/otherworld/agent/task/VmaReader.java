package org.otherworld.agent.task;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.otherworld.agent.files.DPath;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.StructType;
import org.otherworld.agent.mm.MapleTree;
import org.otherworld.agent.vmcore.MemoryAccessException;

/**
 * Reads a process's VMAs from {@code mm->mm_mt} (the 6.1 maple tree) and names them the way
 * /proc/PID/maps does (fs/proc/task_mmu.c show_map_vma, v6.1): the d_path() of vm_file; else
 * {@code vm_ops->name()} (special mappings name themselves through
 * {@code ((struct vm_special_mapping *) vm_private_data)->name}: [vdso], [vvar]); else [heap] when the
 * VMA overlaps [start_brk, brk], [stack] when it contains start_stack, [anon:NAME] for named anonymous
 * memory. The gate VMA [vsyscall] is appended when get_gate_vma() would return it.
 */
public final class VmaReader {
    /** Most VMAs accepted (vm.max_map_count default is 65530). */
    public static final int MAX_VMAS = 1 << 20;
    /** MM_CONTEXT_HAS_VSYSCALL (arch/x86/include/asm/mmu.h, v6.1). */
    static final int MM_CONTEXT_HAS_VSYSCALL = 1 << 1;
    /** vsyscall_mode NONE: third value of the enum in arch/x86/entry/vsyscall/vsyscall_64.c. */
    static final int VSYSCALL_MODE_NONE = 2;

    private final DeadKernel kernel;
    private final DPath dpath;
    private final MapleTree maple;
    private final StructType vmaType;
    private final boolean hasAnonName;
    private final long specialMappingName;
    private final long gateVmaName;

    public VmaReader(DeadKernel kernel, DPath dpath) {
        this.kernel = kernel;
        this.dpath = dpath;
        this.maple = new MapleTree(kernel.kernelMemory(), kernel.mapleLayout()).maxNodes(MAX_VMAS);
        this.vmaType = kernel.types().struct("vm_area_struct");
        this.hasAnonName = vmaType.hasMember("anon_name");
        this.specialMappingName = kernel.symbols().find("special_mapping_name").orElse(0);
        this.gateVmaName = kernel.symbols().find("gate_vma_name").orElse(0);
    }

    /** The VMAs of {@code mm} in address order, named like /proc/PID/maps. */
    public List<Vma> read(KObject mm) {
        long brk = mm.read("brk");
        long startBrk = mm.read("start_brk");
        long startStack = mm.read("start_stack");
        List<Vma> out = new ArrayList<>();
        for (MapleTree.Entry e : maple.entries(mm.addressOf("mm_mt"))) {
            KObject vma = new KObject(kernel.kernelMemory(), e.entry(), vmaType);
            out.add(vma(vma, brk, startBrk, startStack));
        }
        Vma gate = gateVma(mm);
        if (gate != null) {
            out.add(gate);
        }
        return out;
    }

    private Vma vma(KObject v, long brk, long startBrk, long startStack) {
        long start = v.read("vm_start");
        long end = v.read("vm_end");
        long flags = v.read("vm_flags");
        long pgoff = v.read("vm_pgoff");
        long file = v.pointer("vm_file");
        if (Long.compareUnsigned(start, end) >= 0 || (start & 0xfff) != 0 || (end & 0xfff) != 0) {
            throw new MemoryAccessException(v.address(), "vm_area_struct 0x" + Long.toHexString(v.address())
                    + " has an impossible range 0x" + Long.toHexString(start) + "-0x" + Long.toHexString(end));
        }
        if (file != 0) {
            KObject f = kernel.object("file", file);
            String path = dpath.pathAt(f.addressOf("f_path"));
            int dev = 0;
            long ino = 0;
            KObject inode = f.deref("f_inode");
            if (inode != null) {
                ino = inode.read("i_ino");
                KObject sb = inode.deref("i_sb");
                dev = sb == null ? 0 : (int) sb.read("s_dev");
            }
            return new Vma(v.address(), start, end, flags, pgoff, file, path, null, dev, ino, hasAnonVma(v));
        }
        String name = opsName(v);
        if (name == null) {
            if (Long.compareUnsigned(start, brk) <= 0 && Long.compareUnsigned(end, startBrk) >= 0) {
                name = "[heap]";
            } else if (Long.compareUnsigned(start, startStack) <= 0 && Long.compareUnsigned(end, startStack) >= 0) {
                name = "[stack]";
            } else if (hasAnonName) {
                long an = v.pointer("anon_name");
                if (an != 0) {
                    KObject a = kernel.object("anon_vma_name", an);
                    name = "[anon:" + kernel.kernelMemory().readCString(a.addressOf("name"), 256) + "]";
                }
            }
        }
        return new Vma(v.address(), start, end, flags, pgoff, 0, null, name, 0, 0);
    }

    /** Whether vma->anon_vma is set; true when it cannot be read (the pages are then tested one by one). */
    private static boolean hasAnonVma(KObject v) {
        try {
            return v.pointer("anon_vma") != 0;
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** vma->vm_ops->name(vma) for the name functions we know; null otherwise. */
    private String opsName(KObject v) {
        KObject ops = v.deref("vm_ops");
        if (ops == null) {
            return null;
        }
        long fn = ops.pointer("name");
        if (fn == 0) {
            return null;
        }
        if (fn == specialMappingName) {
            long sm = v.pointer("vm_private_data");
            if (sm == 0) {
                return null;
            }
            long str = kernel.object("vm_special_mapping", sm).pointer("name");
            return str == 0 ? null : kernel.kernelMemory().readCString(str, 64);
        }
        if (fn == gateVmaName) {
            return "[vsyscall]";
        }
        return null;
    }

    /** get_gate_vma(mm) of arch/x86/entry/vsyscall/vsyscall_64.c (v6.1), or null. */
    private Vma gateVma(KObject mm) {
        OptionalLong gate = kernel.symbols().find("gate_vma");
        OptionalLong mode = kernel.symbols().find("vsyscall_mode");
        if (gate.isEmpty() || mode.isEmpty()) {
            return null;
        }
        if (kernel.kernelMemory().readU32(mode.getAsLong()) == VSYSCALL_MODE_NONE) {
            return null;
        }
        if ((mm.read("context.flags") & MM_CONTEXT_HAS_VSYSCALL) == 0) {
            return null;
        }
        KObject g = new KObject(kernel.kernelMemory(), gate.getAsLong(), vmaType);
        return new Vma(0, g.read("vm_start"), g.read("vm_end"), g.read("vm_flags"), 0, 0, null, "[vsyscall]", 0, 0);
    }
}
