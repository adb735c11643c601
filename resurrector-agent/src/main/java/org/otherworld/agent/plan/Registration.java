package org.otherworld.agent.plan;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A process's registration with the crash-procedure SDK: the durable record
 * {@code registrations/<pid>-<starttime>.reg} (docs/sdk.md) or, on a patched kernel, the task's own field.
 *
 * @param pid        the process id
 * @param startTime  start time in clock ticks since boot ({@code /proc/PID/stat} field 22)
 * @param policy     the chosen policy
 * @param procedures how many procedures are registered (0 is possible with a non-default policy)
 * @param delivery   {@code signal} or {@code poll}
 * @param source     where it came from ({@code record FILE} or {@code kernel}; see {@link #sourceKind()})
 */
public record Registration(int pid, long startTime, Policy policy, int procedures, String delivery, String source) {
    /** The record format version the agent understands. */
    public static final int FORMAT = 1;

    /** Whether the process registered at least one crash procedure. */
    public boolean hasProcedure() {
        return procedures > 0;
    }

    /** {@code kernel} when the dead kernel's own field supplied it (patch 0002), else {@code record}. */
    public String sourceKind() {
        return MmRegistrationSource.SOURCE.equals(source) ? "kernel" : "record";
    }

    /**
     * Parses the text of a registration record: UTF-8 {@code key=value} lines, {@code #} comments,
     * unknown keys ignored, values escaped ({@code \\ \t \n \r}).
     *
     * @throws IllegalArgumentException if a required key is missing or malformed, or the format is unknown
     */
    public static Registration parse(String text, String source) {
        Map<String, String> kv = keyValues(text);
        String format = kv.get("format");
        if (format == null || !format.equals(String.valueOf(FORMAT))) {
            throw new IllegalArgumentException(source + ": unknown record format " + format);
        }
        int pid = (int) number(kv, "pid", source);
        long start = number(kv, "starttime", source);
        Policy policy = null;
        if (kv.containsKey("policy")) {
            try {
                policy = Policy.valueOf(kv.get("policy"));
            } catch (IllegalArgumentException e) {
                policy = null;
            }
        }
        if (policy == null && kv.containsKey("policy_code")) {
            policy = Policy.ofCode((int) number(kv, "policy_code", source));
        }
        if (policy == null) {
            throw new IllegalArgumentException(source + ": no valid policy");
        }
        int procedures = kv.containsKey("procedures") ? (int) number(kv, "procedures", source) : 0;
        return new Registration(pid, start, policy, procedures, kv.getOrDefault("delivery", "signal"), source);
    }

    private static long number(Map<String, String> kv, String key, String source) {
        String v = kv.get(key);
        if (v == null) {
            throw new IllegalArgumentException(source + ": no " + key);
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": " + key + " is not a number: " + v);
        }
    }

    /** The {@code key=value} lines of an SDK text file, values unescaped; later keys win. */
    public static Map<String, String> keyValues(String text) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            kv.put(line.substring(0, eq), unescape(line.substring(eq + 1)));
        }
        return kv;
    }

    /** Reverses the SDK's escaping: {@code \\}, {@code \t}, {@code \n}, {@code \r}. */
    public static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Escapes a value as the SDK does (inverse of {@link #unescape}). */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
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
}
