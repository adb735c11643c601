package org.otherworld.agent.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * How long this JVM took from its exec to the command's first line of work: the kernel's start time of
 * the process ({@code /proc/self/stat} field 22, in clock ticks since boot) against the system's uptime
 * now. The restore tool logs it so that a trial's restore phase splits into JVM start, criu restores
 * and JVM exit (the bench's breakdown).
 */
final class JvmStart {
    /** USER_HZ: the unit of /proc/PID/stat times on every Linux architecture we build for. */
    static final int CLOCK_TICKS = 100;

    private JvmStart() {
    }

    /** Logs {@code "WHAT: JVM started in N ms"}; logs nothing when /proc cannot tell. */
    static void log(String what, Consumer<String> log) {
        try {
            long ms = millis(Files.readString(Path.of("/proc/self/stat")), Files.readString(Path.of("/proc/uptime")));
            log.accept(what + ": JVM started in " + ms + " ms");
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc unmounted: the phase stays unsplit
        }
    }

    /** Milliseconds from the process's start to now, from the texts of /proc/self/stat and /proc/uptime. */
    static long millis(String stat, String uptime) {
        // the command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        long startTicks = Long.parseLong(f[22 - 3]); // f[0] is field 3 (state)
        double now = Double.parseDouble(uptime.trim().split("\\s+")[0]);
        return Math.max(0, Math.round(now * 1000) - startTicks * 1000 / CLOCK_TICKS);
    }
}
