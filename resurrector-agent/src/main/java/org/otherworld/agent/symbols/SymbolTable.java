package org.otherworld.agent.symbols;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The dead kernel's symbols: name to address, and address to nearest symbol. Built from the
 * kernel's own kallsyms tables ({@link Kallsyms}) or from a saved profile in System.map format.
 *
 * <p>Names may repeat (static functions in different files); lookup by name prefers the first
 * global (upper-case type) symbol, else the first one in table order.
 */
public final class SymbolTable {
    /** Offsets beyond this from the nearest symbol are shown as plain addresses by {@link #nearest}. */
    static final long MAX_NEAREST_OFFSET = 1L << 20;
    /** Sanity limit for System.map input. */
    static final int MAX_SYMBOLS = 5_000_000;

    private final String description;
    /**
     * The names, packed: name {@code i} is the ISO-8859-1 bytes {@code names[nameStart[i] ..
     * nameStart[i + 1])}. A kernel has about 80,000 symbols and the agent looks up a few dozen by name,
     * so no String or {@link Symbol} is made for a symbol until one is asked for (this runs first in the
     * crash kernel, on a cold JVM).
     */
    private final byte[] names;
    private final int[] nameStart;
    private final long[] addresses;
    private final byte[] types;
    /** Symbol indexes in ascending (unsigned) address order. */
    private final int[] byAddress;
    /** String.hashCode of each name. */
    private final int[] hashes;
    /** Open addressing by name hash: symbol index + 1, 0 for an empty slot. */
    private final int[] slots;
    /** The symbols made so far, by index (asked for again and again by address lookups). */
    private final Symbol[] made;

    /**
     * @param description where the symbols came from, used in error messages
     */
    public SymbolTable(String description, List<Symbol> symbols) {
        this(description, pack(symbols));
    }

    /**
     * The symbols whose names are packed in {@code names} (name {@code i} is {@code names[nameStart[i]
     * .. nameStart[i + 1])}, ISO-8859-1, without the type character), with their addresses and nm type
     * characters. The arrays are kept, not copied.
     */
    static SymbolTable packed(String description, byte[] names, int[] nameStart, long[] addresses, byte[] types) {
        return new SymbolTable(description, new Packed(names, nameStart, addresses, types, null));
    }

    /**
     * As {@link #packed(String, byte[], int[], long[], byte[])} with each name's {@code String.hashCode}
     * already known ({@code hashes}, kept, not copied; a wrong one makes that name unfindable).
     */
    static SymbolTable packed(String description, byte[] names, int[] nameStart, long[] addresses, byte[] types,
                              int[] hashes) {
        return new SymbolTable(description, new Packed(names, nameStart, addresses, types, hashes));
    }

    /** The arrays of {@link #packed}; {@code hashes} may be null (computed here). */
    private record Packed(byte[] names, int[] nameStart, long[] addresses, byte[] types, int[] hashes) {
    }

    private SymbolTable(String description, Packed packed) {
        this.description = description;
        this.names = packed.names();
        this.nameStart = packed.nameStart();
        this.addresses = packed.addresses();
        this.types = packed.types();
        int n = addresses.length;
        if (nameStart.length != n + 1 || types.length != n
                || packed.hashes() != null && packed.hashes().length != n) {
            throw new IllegalArgumentException("symbol arrays of different lengths");
        }
        this.hashes = packed.hashes() != null ? packed.hashes() : hashes(names, nameStart, n);
        this.byAddress = addressOrder(addresses);
        this.made = new Symbol[n];
        int cap = Integer.highestOneBit(Math.max(4, n) * 2 - 1) << 1;
        this.slots = new int[cap];
        for (int i = 0; i < n; i++) {
            int h = hashes[i];
            int slot = spread(h) & (cap - 1);
            while (true) {
                int old = slots[slot] - 1;
                if (old < 0) {
                    slots[slot] = i + 1;
                    break;
                }
                if (hashes[old] == h && sameName(old, i)) {
                    if (!isGlobal(old) && isGlobal(i)) {
                        slots[slot] = i + 1;
                    }
                    break;
                }
                slot = (slot + 1) & (cap - 1);
            }
        }
    }

    private static Packed pack(List<Symbol> symbols) {
        int n = symbols.size();
        int[] start = new int[n + 1];
        long[] addr = new long[n];
        byte[] type = new byte[n];
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(n * 24);
        for (int i = 0; i < n; i++) {
            Symbol s = symbols.get(i);
            byte[] b = s.name().getBytes(StandardCharsets.ISO_8859_1);
            out.write(b, 0, b.length);
            start[i + 1] = start[i] + b.length;
            addr[i] = s.address();
            type[i] = (byte) s.type();
        }
        return new Packed(out.toByteArray(), start, addr, type, null);
    }

    /** 0..n-1 in ascending unsigned address order (stable); kallsyms tables are usually sorted already. */
    private static int[] addressOrder(long[] addresses) {
        int n = addresses.length;
        boolean sorted = true;
        for (int i = 1; i < n && sorted; i++) {
            sorted = Long.compareUnsigned(addresses[i - 1], addresses[i]) <= 0;
        }
        if (sorted) {
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            return order;
        }
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> Long.compareUnsigned(addresses[a], addresses[b]));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = boxed[i];
        }
        return order;
    }

    /** String.hashCode of every name (their bytes are ISO-8859-1 characters). */
    private static int[] hashes(byte[] names, int[] nameStart, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int h = 0;
            for (int k = nameStart[i]; k < nameStart[i + 1]; k++) {
                h = 31 * h + (names[k] & 0xff);
            }
            out[i] = h;
        }
        return out;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    private boolean sameName(int a, int b) {
        int la = nameStart[a + 1] - nameStart[a];
        return la == nameStart[b + 1] - nameStart[b]
                && Arrays.equals(names, nameStart[a], nameStart[a + 1], names, nameStart[b], nameStart[b + 1]);
    }

    private boolean isGlobal(int i) {
        return Character.isUpperCase((char) (types[i] & 0xff));
    }

    /** The index of the symbol {@code name} resolves to, or -1. */
    private int indexOf(String name) {
        int cap = slots.length;
        int h = name.hashCode();
        int slot = spread(h) & (cap - 1);
        while (true) {
            int i = slots[slot] - 1;
            if (i < 0) {
                return -1;
            }
            if (hashes[i] == h && nameIs(i, name)) {
                return i;
            }
            slot = (slot + 1) & (cap - 1);
        }
    }

    private boolean nameIs(int i, String name) {
        int from = nameStart[i];
        int len = nameStart[i + 1] - from;
        if (len != name.length()) {
            return false;
        }
        for (int k = 0; k < len; k++) {
            if ((names[from + k] & 0xff) != name.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private Symbol symbolAt(int i) {
        Symbol s = made[i];
        if (s == null) {
            s = new Symbol(new String(names, nameStart[i], nameStart[i + 1] - nameStart[i], StandardCharsets.ISO_8859_1),
                    addresses[i], (char) (types[i] & 0xff));
            made[i] = s; // a benign race: two threads may each make an equal one
        }
        return s;
    }

    /**
     * Reads a System.map style profile: lines {@code <hex address> <type> <name>} (a fourth column,
     * as in /proc/kallsyms module symbols, is ignored; blank lines are skipped).
     */
    public static SymbolTable fromSystemMap(Path path) throws IOException {
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.ISO_8859_1)) {
            return fromSystemMap(r, path.toString());
        }
    }

    /** As {@link #fromSystemMap(Path)}; {@code source} names the input in errors. */
    public static SymbolTable fromSystemMap(Reader reader, String source) throws IOException {
        BufferedReader br = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        List<Symbol> out = new ArrayList<>();
        String line;
        int lineNo = 0;
        while ((line = br.readLine()) != null) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty()) {
                continue;
            }
            String[] f = t.split("\\s+");
            if (f.length < 3 || f[1].length() != 1) {
                throw new KallsymsException(source + " line " + lineNo + ": expected '<address> <type> <name>', got '"
                        + abbreviate(t) + "'");
            }
            long addr;
            try {
                addr = Long.parseUnsignedLong(f[0], 16);
            } catch (NumberFormatException e) {
                throw new KallsymsException(source + " line " + lineNo + ": bad address '" + abbreviate(f[0]) + "'");
            }
            if (out.size() >= MAX_SYMBOLS) {
                throw new KallsymsException(source + ": more than " + MAX_SYMBOLS + " symbols");
            }
            out.add(new Symbol(f[2], addr, f[1].charAt(0)));
        }
        if (out.isEmpty()) {
            throw new KallsymsException(source + ": no symbols");
        }
        return new SymbolTable("System.map " + source, out);
    }

    /** Writes the table in System.map format, in address order (a profile for later runs). */
    public void writeSystemMap(Writer w) throws IOException {
        for (int i : byAddress) {
            w.write(symbolAt(i).toString());
            w.write('\n');
        }
    }

    /** The address of {@code name}. @throws UnknownSymbolException if absent */
    public long address(String name) {
        return addresses[require(name)];
    }

    public OptionalLong find(String name) {
        int i = indexOf(name);
        return i < 0 ? OptionalLong.empty() : OptionalLong.of(addresses[i]);
    }

    public Optional<Symbol> symbol(String name) {
        int i = indexOf(name);
        return i < 0 ? Optional.empty() : Optional.of(symbolAt(i));
    }

    /** The type character of {@code name}. @throws UnknownSymbolException if absent */
    public char type(String name) {
        return (char) (types[require(name)] & 0xff);
    }

    public boolean contains(String name) {
        return indexOf(name) >= 0;
    }

    /** The symbol with the highest address at or below {@code addr} (unsigned order), if any. */
    public Optional<Symbol> floor(long addr) {
        int lo = 0;
        int hi = byAddress.length - 1;
        int best = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(addresses[byAddress[mid]], addr) <= 0) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best < 0 ? Optional.empty() : Optional.of(symbolAt(byAddress[best]));
    }

    /**
     * {@code addr} as "name+0xoff" (or "name" when exact), for diagnostics; plain hex when there is no
     * symbol below it within {@link #MAX_NEAREST_OFFSET} bytes.
     */
    public String nearest(long addr) {
        Optional<Symbol> s = floor(addr);
        if (s.isEmpty() || addr - s.get().address() > MAX_NEAREST_OFFSET) {
            return "0x" + Long.toHexString(addr);
        }
        long off = addr - s.get().address();
        return off == 0 ? s.get().name() : s.get().name() + "+0x" + Long.toHexString(off);
    }

    public int size() {
        return byAddress.length;
    }

    /** All symbols in ascending (unsigned) address order. */
    public List<Symbol> symbols() {
        List<Symbol> out = new ArrayList<>(byAddress.length);
        for (int i : byAddress) {
            out.add(symbolAt(i));
        }
        return Collections.unmodifiableList(out);
    }

    public String description() {
        return description;
    }

    private int require(String name) {
        int i = indexOf(name);
        if (i < 0) {
            throw new UnknownSymbolException(name, description);
        }
        return i;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    @Override
    public String toString() {
        return "SymbolTable[" + description + ", " + byAddress.length + " symbols]";
    }
}
