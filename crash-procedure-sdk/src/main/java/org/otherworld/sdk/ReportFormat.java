package org.otherworld.sdk;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the report file {@code reports/<pid>.report} (format described in
 * {@code docs/sdk.md}): UTF-8 lines {@code key=value}, values escaped with {@link TextCodec};
 * {@code resource=} lines hold four tab-separated fields {@code fd kind description reason}.
 */
final class ReportFormat {
    static final int VERSION = 1;
    private static final int MAX_LINES = 100_000;

    private ReportFormat() {
    }

    static String write(ResurrectionReport r) {
        StringBuilder b = new StringBuilder();
        b.append("# otherworld resurrection report\n");
        b.append("format=").append(VERSION).append('\n');
        b.append("pid=").append(r.pid()).append('\n');
        b.append("crashtime=").append(r.crashTime()).append('\n');
        b.append("downtime_ms=").append(r.downtime().toMillis()).append('\n');
        b.append("panic=").append(TextCodec.escape(r.panicMessage())).append('\n');
        b.append("faulty=").append(r.wasFaultyProcess()).append('\n');
        for (UnrestoredResource u : r.unrestoredResources()) {
            b.append("resource=").append(TextCodec.joinFields(
                    List.of(Integer.toString(u.fd()), u.kind(), u.description(), u.reason()))).append('\n');
        }
        return b.toString();
    }

    /**
     * Parses a report.
     *
     * @param text the file content
     * @param what name of the source for error messages
     * @throws IOException with a one-line message naming the bad line
     */
    static ResurrectionReport parse(String text, String what) throws IOException {
        String[] lines = text.split("\n", -1);
        if (lines.length > MAX_LINES) {
            throw new IOException(what + ": too many lines (" + lines.length + ")");
        }
        Integer format = null;
        Long pid = null;
        Instant crash = null;
        Duration downtime = Duration.ZERO;
        String panic = "";
        boolean faulty = false;
        List<UnrestoredResource> res = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IOException(what + " line " + (i + 1) + ": expected key=value: " + line);
            }
            String key = line.substring(0, eq).trim();
            String val = line.substring(eq + 1);
            try {
                switch (key) {
                    case "format" -> format = Integer.parseInt(val.trim());
                    case "pid" -> pid = Long.parseLong(val.trim());
                    case "crashtime" -> crash = Instant.parse(val.trim());
                    case "downtime_ms" -> downtime = Duration.ofMillis(Long.parseLong(val.trim()));
                    case "panic" -> panic = TextCodec.unescape(val);
                    case "faulty" -> faulty = parseBoolean(val.trim());
                    case "resource" -> res.add(parseResource(val));
                    default -> { /* unknown keys are ignored for forward compatibility */ }
                }
            } catch (DateTimeParseException | IllegalArgumentException e) {
                throw new IOException(what + " line " + (i + 1) + ": bad value for " + key + ": " + e.getMessage());
            }
        }
        if (format == null || format != VERSION) {
            throw new IOException(what + ": missing or unsupported format (want format=" + VERSION + ")");
        }
        if (pid == null) {
            throw new IOException(what + ": missing pid=");
        }
        if (crash == null) {
            throw new IOException(what + ": missing crashtime=");
        }
        return new ResurrectionReport(pid, crash, downtime, panic, faulty, res);
    }

    private static boolean parseBoolean(String v) {
        if (v.equals("true") || v.equals("1")) {
            return true;
        }
        if (v.equals("false") || v.equals("0")) {
            return false;
        }
        throw new IllegalArgumentException("not a boolean: " + v);
    }

    private static UnrestoredResource parseResource(String val) {
        List<String> f = TextCodec.splitFields(val);
        if (f.size() != 4) {
            throw new IllegalArgumentException("resource needs 4 tab-separated fields, got " + f.size());
        }
        return new UnrestoredResource(Integer.parseInt(f.get(0).trim()), f.get(1), f.get(2), f.get(3));
    }
}
