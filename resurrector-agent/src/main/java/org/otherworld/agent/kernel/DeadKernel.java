package org.otherworld.agent.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfFormatException;
import org.otherworld.agent.mm.KernelAddressSpace;
import org.otherworld.agent.mm.MapleLayout;
import org.otherworld.agent.mm.PageTableWalker;
import org.otherworld.agent.mm.SwapSource;
import org.otherworld.agent.mm.SwapTypeLayout;
import org.otherworld.agent.mm.UserAddressSpace;
import org.otherworld.agent.mm.XArrayLayout;
import org.otherworld.agent.symbols.Kallsyms;
import org.otherworld.agent.symbols.KallsymsException;
import org.otherworld.agent.symbols.KernelImageMemory;
import org.otherworld.agent.symbols.SymbolTable;
import org.otherworld.agent.vmcore.CpuState;
import org.otherworld.agent.vmcore.ElfVmcore;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;
import org.otherworld.agent.vmcore.VmcoreFormatException;
import org.otherworld.agent.vmcore.VmcoreInfo;

/**
 * The crashed kernel, opened for reading: the bootstrap every later step starts from.
 *
 * <p>{@link #open(Path)} goes: ELF vmcore &rarr; VMCOREINFO &rarr; kallsyms (decoded from the tables
 * 6.0+ kernels export in VMCOREINFO, through the kernel image mapping) &rarr; self-check against
 * VMCOREINFO's own symbols &rarr; the variables {@code page_offset_base}, {@code vmemmap_base},
 * {@code max_pfn} &rarr; a {@link KernelAddressSpace} over {@code init_top_pgt} &rarr; the kernel's BTF
 * ({@code __start_BTF..__stop_BTF}) &rarr; {@link KernelTypes}. For older kernels a profile directory
 * may supply {@code System.map} and a raw BTF file ({@code btf} or {@code vmlinux.btf}, the bytes of
 * {@code /sys/kernel/btf/vmlinux}).
 *
 * <p>Errors are one line: {@link VmcoreFormatException} for a bad dump, {@link UnsupportedKernelException}
 * naming what the kernel lacks. Thread-safe: its physical memory, kernel address space and types may be
 * read from several threads; each {@link UserAddressSpace} it hands out belongs to one thread.
 */
public final class DeadKernel implements AutoCloseable {
    /** USER_HZ of x86-64 (include/asm-generic/param.h): the clock-tick unit of /proc/PID/stat. */
    public static final long USER_HZ = 100;
    /** Page size of x86-64. */
    public static final long PAGE_SIZE = 4096;
    private static final int PAGE_SHIFT = 12;
    /**
     * __GFP_BITS_SHIFT of 6.1 without CONFIG_LOCKDEP (include/linux/gfp_types.h): where the XA_FLAGS_MARK
     * bits start in xa_flags. It is a #define, so BTF does not carry it.
     */
    static final int GFP_BITS_SHIFT_61 = 27;
    /** Profile file names for kernels without kallsyms tables in VMCOREINFO. */
    public static final String PROFILE_SYSTEM_MAP = "System.map";
    public static final List<String> PROFILE_BTF_NAMES = List.of("btf", "vmlinux.btf");

    private final ElfVmcore vmcore;
    private final PhysicalMemory memory;
    private final VmcoreInfo info;
    private final SymbolTable symbols;
    private final KernelTypes types;
    private final KernelAddressSpace kernelMemory;
    private final int levels;
    private final long pageOffsetBase;
    private final long vmemmapBase;
    private final long physBase;
    private final ListWalker lists;
    private final long structPageSize;
    private volatile MapleLayout mapleLayout; // made on first use; racing threads make equal ones
    private volatile XArrayLayout xarrayLayout;
    private volatile SwapSource swapSource;
    private long openStart;
    private final java.util.Map<String, Long> openMs = new java.util.LinkedHashMap<>();

    private DeadKernel(ElfVmcore vmcore, PhysicalMemory memory, SymbolTable symbols, KernelTypes types, KernelAddressSpace kernelMemory,
                       int levels, long pageOffsetBase, long vmemmapBase, long physBase) {
        this.vmcore = vmcore;
        this.memory = memory;
        this.info = vmcore.vmcoreInfo();
        this.symbols = symbols;
        this.types = types;
        this.kernelMemory = kernelMemory;
        this.levels = levels;
        this.pageOffsetBase = pageOffsetBase;
        this.vmemmapBase = vmemmapBase;
        this.physBase = physBase;
        this.lists = new ListWalker(types, kernelMemory);
        this.structPageSize = types.struct("page").size();
    }

    /** Opens a vmcore of a 6.0+ kernel (symbols from kallsyms, types from the kernel's BTF). */
    public static DeadKernel open(Path vmcorePath) throws IOException {
        return open(vmcorePath, null);
    }

    /**
     * Opens a vmcore; {@code profileDir} (may be null) supplies System.map and a BTF file (arm saves them
     * for kernels before 6.0); when present they are used instead of the vmcore's own kallsyms tables and
     * BTF, and the self-check against VMCOREINFO rejects a profile of another boot.
     */
    public static DeadKernel open(Path vmcorePath, Path profileDir) throws IOException {
        long t0 = System.nanoTime();
        ElfVmcore core = ElfVmcore.open(vmcorePath);
        try {
            DeadKernel k = bootstrap(core, core, profileDir);
            k.openMs.put("elf", (k.openStart - t0) / 1_000_000);
            return k;
        } catch (IOException | RuntimeException | Error e) {
            core.close();
            throw e;
        }
    }

    /**
     * Opens the kernel of {@code core} (headers, notes, VMCOREINFO) but reads all of its memory through
     * {@code memory}, e.g. an overlay that corrupts or hides parts of the dump in robustness tests.
     * Closing the result closes {@code core}; on failure the caller still owns it.
     */
    public static DeadKernel open(ElfVmcore core, PhysicalMemory memory) throws IOException {
        return bootstrap(core, memory, null);
    }

    private static DeadKernel bootstrap(ElfVmcore core, PhysicalMemory memory, Path profileDir) throws IOException {
        long t0 = System.nanoTime();
        VmcoreInfo info = core.vmcoreInfo();
        String release = info.find("OSRELEASE").orElse("(unknown release)");
        long physBase = required(info.findNumber("phys_base"), "NUMBER(phys_base)", release);
        KernelImageMemory image = new KernelImageMemory(memory, physBase);
        SymbolTable symbols = loadSymbols(memory, info, profileDir, release);
        selfCheck(info, symbols, release);
        long t1 = System.nanoTime();

        int levels = info.findNumber("pgtable_l5_enabled").orElse(0) == 1 ? 5 : 4;
        long pageOffsetBase = readVariable(image, symbols, "page_offset_base", release);
        long vmemmapBase = readVariable(image, symbols, "vmemmap_base", release);
        long maxPfn = readVariable(image, symbols, "max_pfn", release);
        long topPgt = info.findSymbol("init_top_pgt").orElse(symbolOrFail(symbols, "init_top_pgt", release));
        long imageStart = symbolOrFail(symbols, "_text", release);
        long imageEnd = symbolOrFail(symbols, "_end", release);
        long smeMask = info.findNumber("sme_mask").orElse(0);
        PageTableWalker walker = new PageTableWalker(memory, image.toPhysical(topPgt) & ~smeMask, levels, smeMask,
                SwapTypeLayout.linux61AllEnabled());
        KernelAddressSpace kas = new KernelAddressSpace(memory, pageOffsetBase, physBase, imageStart, imageEnd,
                maxPfn << PAGE_SHIFT, walker);

        long t2 = System.nanoTime();
        KernelTypes types = new KernelTypes(loadBtf(kas, symbols, profileDir, release));
        if (!types.hasStruct("task_struct")) {
            throw new UnsupportedKernelException("kernel " + release + ": its BTF has no struct task_struct");
        }
        long t3 = System.nanoTime();
        DeadKernel k = new DeadKernel(core, memory, symbols, types, kas, levels, pageOffsetBase, vmemmapBase, physBase);
        k.openStart = t0;
        k.openMs.put("symbols", (t1 - t0) / 1_000_000);
        k.openMs.put("address_space", (t2 - t1) / 1_000_000);
        k.openMs.put("btf", (t3 - t2) / 1_000_000);
        return k;
    }

    private static SymbolTable loadSymbols(PhysicalMemory core, VmcoreInfo info, Path profileDir, String release)
            throws IOException {
        // a profile given explicitly wins (the self-check against VMCOREINFO still catches a wrong one)
        if (info.findSymbol("kallsyms_names").isPresent() && profileFile(profileDir, PROFILE_SYSTEM_MAP) == null) {
            try {
                return Kallsyms.readFromImage(core, info);
            } catch (KallsymsException | MemoryAccessException e) {
                if (profileFile(profileDir, PROFILE_SYSTEM_MAP) == null) {
                    throw new UnsupportedKernelException("kernel " + release + ": kallsyms unreadable ("
                            + e.getMessage() + ") and no profile was given");
                }
            }
        }
        Path map = profileFile(profileDir, PROFILE_SYSTEM_MAP);
        if (map == null) {
            throw new UnsupportedKernelException("kernel " + release + " exports no kallsyms tables in VMCOREINFO and no"
                    + " profile was given" + (profileDir == null ? "" : " (no " + PROFILE_SYSTEM_MAP + " in " + profileDir + ")"));
        }
        return relocate(SymbolTable.fromSystemMap(map), info);
    }

    /**
     * A System.map holds link-time addresses; KASLR moved them by KERNELOFFSET. A profile saved by
     * {@code arm} from /proc/kallsyms already holds the addresses of the boot that crashed: its
     * {@code _stext} equals VMCOREINFO's, and it is taken as it is.
     */
    private static SymbolTable relocate(SymbolTable linkTime, VmcoreInfo info) {
        long off = info.findKernelOffset().orElse(0);
        OptionalLong stext = linkTime.find("_stext");
        OptionalLong crashed = info.findSymbol("_stext");
        if (off == 0 || stext.isPresent() && crashed.isPresent() && stext.getAsLong() == crashed.getAsLong()) {
            return linkTime;
        }
        List<org.otherworld.agent.symbols.Symbol> moved = new java.util.ArrayList<>(linkTime.size());
        for (org.otherworld.agent.symbols.Symbol s : linkTime.symbols()) {
            boolean image = Long.compareUnsigned(s.address(), KernelImageMemory.START_KERNEL_MAP) >= 0;
            moved.add(new org.otherworld.agent.symbols.Symbol(s.name(), image ? s.address() + off : s.address(), s.type()));
        }
        return new SymbolTable(linkTime.description() + " (+KERNELOFFSET 0x" + Long.toHexString(off) + ")", moved);
    }

    /** The plain-address symbols VMCOREINFO states itself must agree with the symbol table (not mem_section: with
     * SPARSEMEM_EXTREME VMCOREINFO gives its value). */
    private static void selfCheck(VmcoreInfo info, SymbolTable symbols, String release) {
        for (String name : new String[] {"init_top_pgt", "_stext", "swapper_pg_dir", "init_task"}) {
            OptionalLong v = info.findSymbol(name);
            OptionalLong s = symbols.find(name);
            if (v.isPresent() && s.isPresent() && v.getAsLong() != s.getAsLong()) {
                throw new UnsupportedKernelException("kernel " + release + ": symbol table disagrees with VMCOREINFO on "
                        + name + " (0x" + Long.toHexString(s.getAsLong()) + " vs 0x" + Long.toHexString(v.getAsLong())
                        + "): wrong profile or corrupt kallsyms");
            }
        }
    }

    private static Btf loadBtf(KernelAddressSpace kas, SymbolTable symbols, Path profileDir, String release)
            throws IOException {
        OptionalLong start = symbols.find("__start_BTF");
        OptionalLong stop = symbols.find("__stop_BTF");
        if (start.isPresent() && stop.isPresent() && profileBtf(profileDir) == null) {
            try {
                return Btf.load(kas, start.getAsLong(), stop.getAsLong());
            } catch (BtfFormatException | MemoryAccessException e) {
                if (profileBtf(profileDir) == null) {
                    throw new UnsupportedKernelException("kernel " + release + ": BTF at __start_BTF unusable ("
                            + e.getMessage() + ") and no profile was given");
                }
            }
        }
        Path file = profileBtf(profileDir);
        if (file == null) {
            throw new UnsupportedKernelException("kernel " + release + " has no BTF (no __start_BTF/__stop_BTF symbols;"
                    + " CONFIG_DEBUG_INFO_BTF off) and no profile BTF file was given");
        }
        try {
            return Btf.parse(Files.readAllBytes(file));
        } catch (BtfFormatException e) {
            throw new UnsupportedKernelException("profile BTF " + file + ": " + e.getMessage(), e);
        }
    }

    private static Path profileBtf(Path dir) {
        for (String n : PROFILE_BTF_NAMES) {
            Path p = profileFile(dir, n);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private static Path profileFile(Path dir, String name) {
        if (dir == null) {
            return null;
        }
        Path p = dir.resolve(name);
        return Files.isRegularFile(p) ? p : null;
    }

    private static long readVariable(KernelImageMemory image, SymbolTable symbols, String name, String release) {
        long addr = symbolOrFail(symbols, name, release);
        try {
            return image.readU64(addr);
        } catch (MemoryAccessException e) {
            throw new VmcoreFormatException("vmcore", "kernel variable " + name + " at 0x" + Long.toHexString(addr)
                    + " is not in the dump: " + e.getMessage(), e);
        }
    }

    private static long symbolOrFail(SymbolTable symbols, String name, String release) {
        OptionalLong a = symbols.find(name);
        if (a.isEmpty()) {
            throw new UnsupportedKernelException("kernel " + release + ": no symbol " + name + " in " + symbols.description());
        }
        return a.getAsLong();
    }

    private static long required(OptionalLong v, String key, String release) {
        if (v.isEmpty()) {
            throw new UnsupportedKernelException("kernel " + release + ": VMCOREINFO has no " + key);
        }
        return v.getAsLong();
    }

    // ---- accessors ----

    /** How long the steps of opening took, in ms ({@code elf}, {@code symbols}, {@code address_space}, {@code btf}). */
    public java.util.Map<String, Long> openTimings() { return java.util.Collections.unmodifiableMap(openMs); }

    public ElfVmcore vmcore() { return vmcore; }

    /** The dead machine's physical memory every read goes through (the vmcore itself unless an overlay was given). */
    public PhysicalMemory physicalMemory() { return memory; }

    /** Where {@link #userMemory} reads swapped-out pages from (null, the default: nowhere). */
    public void swapSource(SwapSource source) { this.swapSource = source; }

    public SwapSource swapSource() { return swapSource; }

    public VmcoreInfo info() { return info; }

    public SymbolTable symbols() { return symbols; }

    public KernelTypes types() { return types; }

    /** The dead kernel's virtual memory (direct map, image, and page-table walk for the rest). */
    public KernelAddressSpace kernelMemory() { return kernelMemory; }

    /** 4 or 5, from VMCOREINFO NUMBER(pgtable_l5_enabled). */
    public int pagingLevels() { return levels; }

    public long pageOffsetBase() { return pageOffsetBase; }

    public long vmemmapBase() { return vmemmapBase; }

    /** phys_base: physical load offset of the kernel image. */
    public long physBase() { return physBase; }

    public long physToDirectMap(long pa) { return pa + pageOffsetBase; }

    public long directMapToPhys(long va) { return va - pageOffsetBase; }

    /** The user address space whose top table is {@code mm->pgd} (a direct-map VA). */
    public UserAddressSpace userMemory(long pgdKernelVa) {
        long pa = kernelMemory.translate(pgdKernelVa);
        return new UserAddressSpace(memory, pa, levels, swapSource);
    }

    public ListWalker lists() { return lists; }

    /** {@code struct name} at {@code address} in kernel memory. */
    public KObject object(String struct, long address) {
        return types.object(kernelMemory, struct, address);
    }

    /** Address of a kernel symbol. @throws org.otherworld.agent.symbols.UnknownSymbolException if absent */
    public long symbol(String name) {
        return symbols.address(name);
    }

    /** The maple tree layout of this kernel, from BTF (resolved once). */
    public synchronized MapleLayout mapleLayout() {
        if (mapleLayout == null) {
            StructType tree = types.struct("maple_tree");
            StructType node = types.struct("maple_node");
            StructType r64 = types.struct("maple_range_64");
            StructType a64 = types.struct("maple_arange_64");
            long metaEnd = types.struct("maple_metadata").member("end").offset();
            mapleLayout = new MapleLayout(off(tree, "ma_root"), (int) node.size(), off(node, "parent"),
                    off(node, "slot"), (int) node.member("slot").arrayLength(),
                    off(r64, "pivot"), off(r64, "slot"), (int) r64.member("slot").arrayLength(),
                    (int) (off(r64, "meta") + metaEnd),
                    off(a64, "pivot"), off(a64, "slot"), (int) a64.member("slot").arrayLength(),
                    (int) (off(a64, "meta") + metaEnd));
        }
        return mapleLayout;
    }

    /** The xarray layout of this kernel, from BTF (resolved once). */
    public synchronized XArrayLayout xarrayLayout() {
        if (xarrayLayout == null) {
            StructType xa = types.struct("xarray");
            StructType node = types.struct("xa_node");
            long slots = node.member("slots").arrayLength();
            int chunkShift = Long.numberOfTrailingZeros(slots);
            if (slots <= 0 || Long.bitCount(slots) != 1) {
                throw new UnsupportedKernelException("struct xa_node.slots has " + slots + " entries, not a power of two");
            }
            int gfpShift = GFP_BITS_SHIFT_61;
            if (types.hasEnumValue("___GFP_LAST_BIT")) { // 6.8+: an enum gives it
                gfpShift = (int) types.enumValue(null, "___GFP_LAST_BIT");
            }
            xarrayLayout = new XArrayLayout(off(xa, "xa_head"), off(xa, "xa_flags"), off(node, "shift"),
                    off(node, "offset"), off(node, "parent"), off(node, "slots"), off(node, "marks"),
                    (int) node.size(), chunkShift, gfpShift);
        }
        return xarrayLayout;
    }

    private static int off(StructType t, String path) {
        return (int) t.member(path).offset();
    }

    /** Physical address of the page described by the {@code struct page} at {@code structPageVa}. */
    public long pageToPhys(long structPageVa) {
        long rel = structPageVa - vmemmapBase;
        if (rel < 0 || rel % structPageSize != 0) {
            throw new MemoryAccessException(structPageVa, "not a struct page address (vmemmap_base 0x"
                    + Long.toHexString(vmemmapBase) + ", sizeof(struct page) " + structPageSize + ")");
        }
        return (rel / structPageSize) << PAGE_SHIFT;
    }

    /** The struct page VA of physical address {@code pa}. */
    public long physToPage(long pa) {
        return vmemmapBase + (pa >>> PAGE_SHIFT) * structPageSize;
    }

    /** OSRELEASE, e.g. "6.1.0-56-cloud-amd64". */
    public String release() {
        try {
            return info.osRelease();
        } catch (NoSuchElementException e) {
            return "unknown";
        }
    }

    /** Register state of each CPU at the crash (NT_PRSTATUS notes). */
    public List<CpuState> cpus() { return vmcore.cpus(); }

    @Override
    public void close() throws IOException {
        vmcore.close();
    }

    @Override
    public String toString() {
        return "DeadKernel[" + release() + ", " + levels + "-level paging, " + symbols.size() + " symbols, "
                + types.btf().typeCount() + " BTF types]";
    }
}
