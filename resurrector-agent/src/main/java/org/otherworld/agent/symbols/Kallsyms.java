package org.otherworld.agent.symbols;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;
import org.otherworld.agent.vmcore.VirtualMemory;
import org.otherworld.agent.vmcore.VmcoreInfo;

/**
 * Decodes the kernel's compressed symbol table (kallsyms) from the dead kernel's memory, using the
 * table addresses that Linux 6.0+ exports in VMCOREINFO.
 *
 * <p>Format (scripts/kallsyms.c and kernel/kallsyms.c of v6.1):
 * <ul>
 * <li>{@code kallsyms_num_syms}: unsigned int, the number of symbols.</li>
 * <li>{@code kallsyms_names}: per symbol a length then that many token codes. The length is one
 * byte, or, if that byte has bit 7 set, a 2-byte ULEB128: {@code (b0 & 0x7f) | (b1 << 7)}
 * ("big" symbols, since 6.1).</li>
 * <li>{@code kallsyms_token_index}: 256 u16 offsets into {@code kallsyms_token_table}, which holds
 * 256 NUL-terminated token strings. A symbol's expansion is the concatenation of its tokens; the
 * first character is the nm type, the rest the name.</li>
 * <li>{@code kallsyms_offsets} (CONFIG_KALLSYMS_BASE_RELATIVE): one s32 per symbol, with
 * {@code kallsyms_relative_base} (unsigned long). With KALLSYMS_ABSOLUTE_PERCPU (x86-64):
 * offset &gt;= 0 is the absolute address, offset &lt; 0 means {@code relative_base - 1 - offset}.
 * Without it: {@code relative_base + (u32) offset}. Kernels without base-relative tables export
 * {@code kallsyms_addresses} (one unsigned long per symbol) instead.</li>
 * </ul>
 */
public final class Kallsyms {
    /** Sanity limit on kallsyms_num_syms. */
    public static final int MAX_SYMBOLS = 2_000_000;
    /** Sanity limit on one expanded name (KSYM_NAME_LEN is 512 in 6.1). */
    public static final int MAX_NAME = 1024;
    /** Sanity limit on the size of kallsyms_names. */
    static final long MAX_NAMES_BYTES = 64L << 20;
    /** Longest token accepted in kallsyms_token_table. */
    static final int MAX_TOKEN = 256;
    static final int TOKENS = 256;

    /** How kallsyms_offsets entries become addresses. */
    public enum AddressMode {
        /** CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86-64 SMP): negative offsets are relative to the base. */
        ABSOLUTE_PERCPU,
        /** Offsets are unsigned displacements from kallsyms_relative_base. */
        RELATIVE
    }

    private final VmcoreInfo info;
    private final VirtualMemory vm;

    private Kallsyms(VmcoreInfo info, VirtualMemory vm) {
        this.info = info;
        this.vm = vm;
    }

    /**
     * Bootstrap: decodes kallsyms straight from the dump's physical memory through the kernel image
     * mapping ({@link KernelImageMemory}, using VMCOREINFO's NUMBER(phys_base)), no page tables needed.
     */
    public static SymbolTable readFromImage(PhysicalMemory physical, VmcoreInfo info) {
        return read(info, KernelImageMemory.fromVmcoreInfo(physical, info));
    }

    /** Decodes kallsyms of an x86-64 kernel (ABSOLUTE_PERCPU addressing) and self-checks it. */
    public static SymbolTable read(VmcoreInfo info, VirtualMemory kernel) {
        return read(info, kernel, AddressMode.ABSOLUTE_PERCPU);
    }

    /**
     * Decodes kallsyms and checks the result against {@code SYMBOL(_stext)} when VMCOREINFO has it.
     *
     * @param kernel the dead kernel's memory, readable at least for the kernel image
     * @throws KallsymsException naming the table that is missing, unreadable or implausible
     */
    public static SymbolTable read(VmcoreInfo info, VirtualMemory kernel, AddressMode mode) {
        return new Kallsyms(info, kernel).decode(mode);
    }

    private SymbolTable decode(AddressMode mode) {
        long numAddr = tableAddress("kallsyms_num_syms");
        long count = readU32(numAddr, "kallsyms_num_syms") & 0xffffffffL;
        if (count == 0 || count >= MAX_SYMBOLS) {
            throw new KallsymsException("kallsyms_num_syms: implausible symbol count " + count);
        }
        int n = (int) count;
        byte[][] tokens = readTokens();
        long[] addresses = readAddresses(n, mode);
        SymbolTable table = readNames(n, tokens, addresses);
        selfCheck(table);
        return table;
    }

    /** The 256 tokens, each as its bytes (kallsyms names are ASCII). */
    private byte[][] readTokens() {
        long indexAddr = tableAddress("kallsyms_token_index");
        long tableAddr = tableAddress("kallsyms_token_table");
        byte[] idx = readBytes(indexAddr, TOKENS * 2, "kallsyms_token_index");
        int maxOffset = 0;
        for (int i = 0; i < TOKENS; i++) {
            maxOffset = Math.max(maxOffset, LittleEndian.u16(idx, 2 * i));
        }
        TableBytes table = new TableBytes(vm, tableAddr, "kallsyms_token_table", (long) maxOffset + MAX_TOKEN + 1, false);
        byte[][] tokens = new byte[TOKENS][];
        byte[] t = new byte[MAX_TOKEN];
        for (int i = 0; i < TOKENS; i++) {
            int off = LittleEndian.u16(idx, 2 * i);
            int len = 0;
            int c;
            while ((c = table.u8(off + len, "token", i)) != 0) {
                if (len >= MAX_TOKEN) {
                    throw new KallsymsException("kallsyms_token_table: token " + i + " at offset " + off
                            + " is not terminated within " + MAX_TOKEN + " bytes");
                }
                t[len++] = (byte) c;
            }
            tokens[i] = java.util.Arrays.copyOf(t, len);
        }
        return tokens;
    }

    private long[] readAddresses(int n, AddressMode mode) {
        OptionalLong offsetsAddr = info.findSymbol("kallsyms_offsets");
        long[] out = new long[n];
        if (offsetsAddr.isEmpty()) {
            OptionalLong abs = info.findSymbol("kallsyms_addresses");
            if (abs.isEmpty()) {
                throw missing("kallsyms_offsets");
            }
            byte[] b = readBytes(abs.getAsLong(), n * 8, "kallsyms_addresses");
            for (int i = 0; i < n; i++) {
                out[i] = LittleEndian.u64(b, 8 * i);
            }
            return out;
        }
        long base = readU64(tableAddress("kallsyms_relative_base"), "kallsyms_relative_base");
        byte[] b = readBytes(offsetsAddr.getAsLong(), n * 4, "kallsyms_offsets");
        for (int i = 0; i < n; i++) {
            int off = LittleEndian.u32(b, 4 * i);
            if (mode == AddressMode.RELATIVE) {
                out[i] = base + (off & 0xffffffffL);
            } else {
                out[i] = off >= 0 ? off : base - 1 - off;
            }
        }
        return out;
    }

    /**
     * Expands every name into one byte array (the type character apart), the form {@link SymbolTable}
     * keeps: no String or {@link Symbol} per name for the 80,000-odd names of a 6.1 kernel (this runs
     * first in the crash kernel, on a cold JVM). Each name's {@code String.hashCode} is computed on the
     * way from per-token hashes ({@code h = h * 31^len(token) + hash(token)}), so that building the
     * name index needs no second pass over the bytes.
     */
    private SymbolTable readNames(int n, byte[][] tokens, long[] addresses) {
        long namesAddress = tableAddress("kallsyms_names");
        long bound = namesBound(namesAddress);
        TableBytes names = new TableBytes(vm, namesAddress, "kallsyms_names", bound > 0 ? bound : MAX_NAMES_BYTES, bound > 0);
        int[] tokenHash = new int[TOKENS], tokenPow = new int[TOKENS], tailHash = new int[TOKENS];
        for (int t = 0; t < TOKENS; t++) {
            int h = 0, tail = 0, pow = 1;
            byte[] b = tokens[t];
            for (int k = 0; k < b.length; k++) {
                h = 31 * h + (b[k] & 0xff);
                tail = k == 0 ? 0 : 31 * tail + (b[k] & 0xff);
                pow *= 31;
            }
            tokenHash[t] = h;
            tokenPow[t] = pow;
            tailHash[t] = tail;
        }
        byte[] out = new byte[Math.max(1024, n * 24)];
        int[] start = new int[n + 1];
        byte[] types = new byte[n];
        int[] hashes = new int[n];
        byte[] name = new byte[MAX_NAME + MAX_TOKEN];
        int used = 0;
        int pos = 0;
        for (int i = 0; i < n; i++) {
            int at = pos;
            byte[] buf = names.upTo(pos + 2, "symbol", i);
            int len = buf[pos++] & 0xff;
            if ((len & 0x80) != 0) {
                len = (len & 0x7f) | ((buf[pos++] & 0xff) << 7);
            }
            if (len == 0) {
                throw new KallsymsException("kallsyms_names: symbol " + i + " at offset " + at + " has length 0");
            }
            buf = names.upTo(pos + len, "symbol", i);
            int nl = 0;
            int h = 0;
            for (int k = 0; k < len; k++) {
                int code = buf[pos++] & 0xff;
                byte[] t = tokens[code];
                if (nl == 0) {
                    h = tailHash[code]; // the first character is the type, not part of the name
                } else {
                    h = h * tokenPow[code] + tokenHash[code];
                }
                if (nl + t.length > MAX_NAME) {
                    throw new KallsymsException("kallsyms_names: symbol " + i + " at offset " + at
                            + " expands beyond " + MAX_NAME + " characters");
                }
                System.arraycopy(t, 0, name, nl, t.length);
                nl += t.length;
            }
            if (nl < 2) {
                throw new KallsymsException("kallsyms_names: symbol " + i + " at offset " + at
                        + " expands to '" + new String(name, 0, nl, StandardCharsets.ISO_8859_1)
                        + "', which has no name after the type character");
            }
            if (used + nl > out.length) {
                out = java.util.Arrays.copyOf(out, Math.max(out.length * 2, used + nl));
            }
            types[i] = name[0];
            hashes[i] = h;
            System.arraycopy(name, 1, out, used, nl - 1);
            used += nl - 1;
            start[i + 1] = used;
        }
        return SymbolTable.packed("kallsyms of " + info.find("OSRELEASE").orElse("the dead kernel"), out, start,
                addresses, types, hashes);
    }

    /**
     * Where kallsyms_names ends at the latest: the nearest of the other tables VMCOREINFO places after
     * it (scripts/kallsyms.c emits kallsyms_markers, kallsyms_token_table and kallsyms_token_index
     * after the names), or -1 when none is within {@link #MAX_NAMES_BYTES}.
     */
    private long namesBound(long names) {
        long best = -1;
        for (String next : new String[] {"kallsyms_markers", "kallsyms_token_table", "kallsyms_token_index"}) {
            OptionalLong a = info.findSymbol(next);
            if (a.isPresent() && Long.compareUnsigned(a.getAsLong(), names) > 0) {
                long d = a.getAsLong() - names;
                if (d <= MAX_NAMES_BYTES && (best < 0 || d < best)) {
                    best = d;
                }
            }
        }
        return best;
    }

    private void selfCheck(SymbolTable table) {
        OptionalLong expected = info.findSymbol("_stext");
        if (expected.isEmpty()) {
            return;
        }
        OptionalLong got = table.find("_stext");
        if (got.isEmpty() || got.getAsLong() != expected.getAsLong()) {
            throw new KallsymsException("kallsyms tables inconsistent: _stext decodes to "
                    + (got.isEmpty() ? "nothing" : "0x" + Long.toHexString(got.getAsLong()))
                    + " but VMCOREINFO says 0x" + Long.toHexString(expected.getAsLong()));
        }
    }

    private long tableAddress(String table) {
        OptionalLong a = info.findSymbol(table);
        if (a.isEmpty()) {
            throw missing(table);
        }
        return a.getAsLong();
    }

    private KallsymsException missing(String table) {
        return new KallsymsException("VMCOREINFO has no SYMBOL(" + table + "): kernel older than 6.0 or built without"
                + " CONFIG_KALLSYMS; use a System.map profile instead");
    }

    private byte[] readBytes(long addr, int len, String table) {
        try {
            return vm.readBytes(addr, len);
        } catch (MemoryAccessException e) {
            throw new KallsymsException(table + ": unreadable (" + len + " bytes at 0x" + Long.toHexString(addr) + "): "
                    + e.getMessage(), e);
        }
    }

    private int readU32(long addr, String table) {
        return LittleEndian.u32(readBytes(addr, 4, table), 0);
    }

    private long readU64(long addr, String table) {
        return LittleEndian.u64(readBytes(addr, 8, table), 0);
    }
}
