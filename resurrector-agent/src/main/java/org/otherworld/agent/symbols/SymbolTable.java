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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    private final Map<String, Symbol> byName;
    private final Symbol[] byAddress;

    /**
     * @param description where the symbols came from, used in error messages
     */
    public SymbolTable(String description, List<Symbol> symbols) {
        this.description = description;
        Map<String, Symbol> names = new HashMap<>(symbols.size() * 2);
        for (Symbol s : symbols) {
            Symbol old = names.get(s.name());
            if (old == null || (!old.isGlobal() && s.isGlobal())) {
                names.put(s.name(), s);
            }
        }
        this.byName = names;
        this.byAddress = symbols.toArray(new Symbol[0]);
        Arrays.sort(byAddress, (a, b) -> Long.compareUnsigned(a.address(), b.address()));
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
        for (Symbol s : byAddress) {
            w.write(s.toString());
            w.write('\n');
        }
    }

    /** The address of {@code name}. @throws UnknownSymbolException if absent */
    public long address(String name) {
        return require(name).address();
    }

    public OptionalLong find(String name) {
        Symbol s = byName.get(name);
        return s == null ? OptionalLong.empty() : OptionalLong.of(s.address());
    }

    public Optional<Symbol> symbol(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The type character of {@code name}. @throws UnknownSymbolException if absent */
    public char type(String name) {
        return require(name).type();
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The symbol with the highest address at or below {@code addr} (unsigned order), if any. */
    public Optional<Symbol> floor(long addr) {
        int lo = 0;
        int hi = byAddress.length - 1;
        int best = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(byAddress[mid].address(), addr) <= 0) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best < 0 ? Optional.empty() : Optional.of(byAddress[best]);
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
        return Collections.unmodifiableList(Arrays.asList(byAddress));
    }

    public String description() {
        return description;
    }

    private Symbol require(String name) {
        Symbol s = byName.get(name);
        if (s == null) {
            throw new UnknownSymbolException(name, description);
        }
        return s;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    @Override
    public String toString() {
        return "SymbolTable[" + description + ", " + byAddress.length + " symbols]";
    }
}
