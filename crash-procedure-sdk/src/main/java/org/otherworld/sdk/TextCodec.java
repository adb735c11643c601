package org.otherworld.sdk;

import java.util.ArrayList;
import java.util.List;

/**
 * Escaping used by the line-based on-disk formats: backslash, tab, newline and carriage return
 * are written as {@code \\}, {@code \t}, {@code \n}, {@code \r}, so a value never contains a
 * line break and tab can separate fields.
 */
final class TextCodec {
    private TextCodec() {
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                b.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 't' -> b.append('\t');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case '\\' -> b.append('\\');
                default -> b.append('\\').append(n);
            }
        }
        return b.toString();
    }

    /** Joins escaped fields with tabs. */
    static String joinFields(List<String> fields) {
        List<String> esc = new ArrayList<>(fields.size());
        for (String f : fields) {
            esc.add(escape(f));
        }
        return String.join("\t", esc);
    }

    /** Splits a tab-separated line of escaped fields and unescapes each. */
    static List<String> splitFields(String line) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= line.length(); i++) {
            if (i == line.length() || line.charAt(i) == '\t') {
                out.add(unescape(line.substring(start, i)));
                start = i + 1;
            }
        }
        return out;
    }
}
