package org.otherworld.sdk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Who this process is: pid, start time (field 22 of {@code /proc/<pid>/stat}, clock ticks since
 * boot), executable and command line, read from procfs.
 *
 * @param pid       process id
 * @param startTime start time in clock ticks since boot
 * @param exe       target of {@code /proc/<pid>/exe}, or empty if unreadable
 * @param cmdline   argument vector from {@code /proc/<pid>/cmdline}
 */
record ProcessIdentity(long pid, long startTime, String exe, List<String> cmdline) {
    /** Index of the start-time field among the fields that follow the ")" closing comm (field 3 is index 0). */
    private static final int STARTTIME_INDEX_AFTER_COMM = 22 - 3;

    ProcessIdentity {
        cmdline = List.copyOf(cmdline);
    }

    /** Reads the identity of the current process from {@code /proc/self}. */
    static ProcessIdentity current() throws IOException {
        return read(Path.of("/proc/self"), ProcessHandle.current().pid());
    }

    /** Reads the identity of a process from its procfs directory. */
    static ProcessIdentity read(Path procDir, long pid) throws IOException {
        String stat = Files.readString(procDir.resolve("stat"), StandardCharsets.UTF_8);
        long start = parseStartTime(stat, procDir.resolve("stat").toString());
        String exe;
        try {
            exe = Files.readSymbolicLink(procDir.resolve("exe")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            exe = "";
        }
        byte[] raw = Files.readAllBytes(procDir.resolve("cmdline"));
        return new ProcessIdentity(pid, start, exe, splitNul(raw));
    }

    /** Extracts field 22 (starttime) from the text of a {@code stat} file. */
    static long parseStartTime(String stat, String what) throws IOException {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IOException(what + ": no ')' after comm in stat line");
        }
        String[] f = stat.substring(close + 1).trim().split(" +");
        if (f.length <= STARTTIME_INDEX_AFTER_COMM) {
            throw new IOException(what + ": only " + (f.length + 2) + " fields, need 22");
        }
        try {
            return Long.parseLong(f[STARTTIME_INDEX_AFTER_COMM]);
        } catch (NumberFormatException e) {
            throw new IOException(what + ": field 22 is not a number: " + f[STARTTIME_INDEX_AFTER_COMM]);
        }
    }

    static List<String> splitNul(byte[] raw) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                out.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < raw.length) {
            out.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
        }
        return out;
    }
}
