package org.otherworld.agent.vmcore;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The VMCOREINFO text the crashed kernel left for dump tools: one {@code KEY=VALUE} per line,
 * e.g. {@code SYMBOL(init_task)=ffffffff82a0c940}, {@code OFFSET(list_head.next)=0}.
 *
 * <p>Value formats follow kernel/crash_core.c (VMCOREINFO_* macros): SYMBOL and KERNELOFFSET are
 * hex without prefix ({@code %lx}), NUMBER is signed decimal ({@code %ld}), OFFSET/SIZE/LENGTH are
 * decimal, CRASHTIME is decimal seconds. Getters without "find" throw {@link NoSuchElementException}
 * naming the missing key; malformed values throw {@link VmcoreFormatException} naming key and value.
 */
public final class VmcoreInfo {
    private static final String SOURCE = "VMCOREINFO";
    private final Map<String, String> entries;

    private VmcoreInfo(Map<String, String> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    /**
     * Parses VMCOREINFO text. Lines without '=' and NUL/CR characters are ignored; for a duplicated
     * key the first value counts.
     */
    public static VmcoreInfo parse(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String l = line.replace("\0", "").replace("\r", "");
            int eq = l.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            m.putIfAbsent(l.substring(0, eq).trim(), l.substring(eq + 1).trim());
        }
        return new VmcoreInfo(m);
    }

    /** All entries, in text order. */
    public Map<String, String> raw() {
        return entries;
    }

    public Optional<String> find(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    public String get(String key) {
        String v = entries.get(key);
        if (v == null) {
            throw new NoSuchElementException("VMCOREINFO has no " + key);
        }
        return v;
    }

    public String osRelease() { return get("OSRELEASE"); }

    public Optional<String> buildId() { return find("BUILD-ID"); }

    public long pageSize() { return decimal("PAGESIZE"); }

    public long symbol(String name) { return hex(symbolKey(name)); }

    public OptionalLong findSymbol(String name) { return findHex(symbolKey(name)); }

    public long number(String name) { return decimal("NUMBER(" + name + ")"); }

    public OptionalLong findNumber(String name) { return findDecimal("NUMBER(" + name + ")"); }

    public long offset(String struct, String member) { return decimal(offsetKey(struct, member)); }

    public OptionalLong findOffset(String struct, String member) { return findDecimal(offsetKey(struct, member)); }

    public long size(String struct) { return decimal("SIZE(" + struct + ")"); }

    public OptionalLong findSize(String struct) { return findDecimal("SIZE(" + struct + ")"); }

    public long length(String name) { return decimal("LENGTH(" + name + ")"); }

    public OptionalLong findLength(String name) { return findDecimal("LENGTH(" + name + ")"); }

    /** KASLR displacement of the kernel image ({@code KERNELOFFSET}, hex). */
    public long kernelOffset() { return hex("KERNELOFFSET"); }

    public OptionalLong findKernelOffset() { return findHex("KERNELOFFSET"); }

    /** Seconds since the epoch at the crash ({@code CRASHTIME}). */
    public long crashTime() { return decimal("CRASHTIME"); }

    public OptionalLong findCrashTime() { return findDecimal("CRASHTIME"); }

    private static String symbolKey(String name) { return "SYMBOL(" + name + ")"; }

    private static String offsetKey(String struct, String member) { return "OFFSET(" + struct + "." + member + ")"; }

    private long hex(String key) { return parseHex(key, get(key)); }

    private long decimal(String key) { return parseDecimal(key, get(key)); }

    private OptionalLong findHex(String key) {
        String v = entries.get(key);
        return v == null ? OptionalLong.empty() : OptionalLong.of(parseHex(key, v));
    }

    private OptionalLong findDecimal(String key) {
        String v = entries.get(key);
        return v == null ? OptionalLong.empty() : OptionalLong.of(parseDecimal(key, v));
    }

    private static long parseHex(String key, String v) {
        String s = v.startsWith("0x") || v.startsWith("0X") ? v.substring(2) : v;
        try {
            return Long.parseUnsignedLong(s, 16);
        } catch (NumberFormatException e) {
            throw new VmcoreFormatException(SOURCE, key + " has non-hex value '" + v + "'");
        }
    }

    private static long parseDecimal(String key, String v) {
        try {
            return v.startsWith("-") ? Long.parseLong(v) : Long.parseUnsignedLong(v);
        } catch (NumberFormatException e) {
            throw new VmcoreFormatException(SOURCE, key + " has non-decimal value '" + v + "'");
        }
    }

    @Override
    public String toString() {
        return "VmcoreInfo[" + entries.size() + " keys, OSRELEASE=" + entries.get("OSRELEASE") + "]";
    }
}
