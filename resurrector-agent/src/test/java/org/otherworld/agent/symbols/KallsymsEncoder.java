package org.otherworld.agent.symbols;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.otherworld.agent.vmcore.LittleEndian;

/**
 * A small kallsyms table generator for tests, following the v6.1 format: token table with some
 * multi-character tokens (one including a type char), greedy longest-token compression, 1- or
 * 2-byte (ULEB128) lengths, and ABSOLUTE_PERCPU offsets.
 */
final class KallsymsEncoder {
    static final String[] MULTI = {"T_s", "text", "init_", "task", "page_", "offset", "_base", "BTF"};
    final String[] tokens = new String[256];
    final List<Symbol> symbols = new ArrayList<>();
    final long relativeBase;

    KallsymsEncoder(long relativeBase) {
        this.relativeBase = relativeBase;
        for (int c = 0; c < 256; c++) {
            tokens[c] = c >= 0x21 && c < 0x7f ? String.valueOf((char) c) : "";
        }
        for (int i = 0; i < MULTI.length; i++) {
            tokens[0x80 + i] = MULTI[i];
        }
    }

    KallsymsEncoder add(char type, String name, long address) {
        symbols.add(new Symbol(name, address, type));
        return this;
    }

    byte[] tokenTable() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String t : tokens) {
            out.writeBytes(t.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        return out.toByteArray();
    }

    byte[] tokenIndex() {
        byte[] b = new byte[512];
        int off = 0;
        for (int i = 0; i < 256; i++) {
            b[2 * i] = (byte) off;
            b[2 * i + 1] = (byte) (off >> 8);
            off += tokens[i].length() + 1;
        }
        return b;
    }

    byte[] names() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Symbol s : symbols) {
            List<Integer> codes = compress(s.type() + s.name());
            int len = codes.size();
            if (len <= 0x7f) {
                out.write(len);
            } else {
                out.write((len & 0x7f) | 0x80);
                out.write((len >> 7) & 0x7f);
            }
            codes.forEach(out::write);
        }
        return out.toByteArray();
    }

    /** Compressed length of one symbol (for asserting that a "big" one exists). */
    int compressedLength(Symbol s) {
        return compress(s.type() + s.name()).size();
    }

    private List<Integer> compress(String s) {
        List<Integer> codes = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            int best = -1;
            int bestLen = 0;
            for (int c = 0; c < 256; c++) {
                String t = tokens[c];
                if (!t.isEmpty() && t.length() > bestLen && s.startsWith(t, i)) {
                    best = c;
                    bestLen = t.length();
                }
            }
            if (best < 0) {
                throw new IllegalArgumentException("no token for '" + s.charAt(i) + "'");
            }
            codes.add(best);
            i += bestLen;
        }
        return codes;
    }

    byte[] offsets() {
        byte[] b = new byte[4 * symbols.size()];
        for (int i = 0; i < symbols.size(); i++) {
            long a = symbols.get(i).address();
            long off = a >= 0 ? a : relativeBase - 1 - a; // absolute per-cpu, else negative relative
            if (off != (int) off) {
                throw new IllegalArgumentException("address out of offset range: " + Long.toHexString(a));
            }
            LittleEndian.putU32(b, 4 * i, (int) off);
        }
        return b;
    }

    static byte[] u32(int v) {
        byte[] b = new byte[4];
        LittleEndian.putU32(b, 0, v);
        return b;
    }

    static byte[] u64(long v) {
        byte[] b = new byte[8];
        LittleEndian.putU64(b, 0, v);
        return b;
    }
}
