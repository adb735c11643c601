package org.otherworld.agent.restore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The restore step without a JVM on the critical path: a POSIX shell script, written by the agent next
 * to the image sets it made, that runs {@code criu restore} for every set in {@link RestoreOrder} with
 * the same arguments as {@link Restorer#criuCommand}, after moving the pid allocator past every pid the
 * sets need. Each set's exit code and time go to {@link #OUTCOMES}; {@code otherworld restore --outcomes}
 * then reads them instead of running criu again, delivers the crash-procedure reports and writes
 * restore.json.
 *
 * <p>Why: in the fresh main kernel the restore tool's JVM took 14-15 s to start in the bench trials
 * (its runtime is read from disk into an empty page cache under TCG), and every restored application
 * waited for it. The script starts criu at once; the JVM's start now delays only the reports.
 *
 * <p>The script finds its sets relative to its own directory, so the images may be mounted anywhere.
 * {@code OTHERWORLD_CRIU} names criu (default {@code criu} on PATH), {@code OW_PID_CURSOR} the pid
 * cursor (default {@code /proc/sys/kernel/ns_last_pid}), {@code OW_SET_TIMEOUT} the seconds per set
 * (default 180, applied when {@code timeout} exists).
 */
public final class RestoreScript {
    /** The script, in the resurrection directory. */
    public static final String FILE = "restore.sh";
    /** What it records: one line "ROOT EXIT MS" per set it ran. */
    public static final String OUTCOMES = "restore-outcomes.txt";

    /** One set's recorded result. */
    public record Outcome(int root, int exit, long ms) {
    }

    private RestoreScript() {
    }

    /** The script's text for the sets, which must already be in restore order. */
    static String text(List<ImageSetEntry> ordered) {
        int max = ordered.stream().mapToInt(ImageSetEntry::maxId).max().orElse(0);
        StringBuilder b = new StringBuilder();
        b.append("#!/bin/sh\n")
                .append("# Written by the Otherworld agent (org.otherworld.agent.restore.RestoreScript): criu restore of\n")
                .append("# every image set of this directory, parents' sets first, without a JVM. Each set's exit code and\n")
                .append("# time go to ").append(OUTCOMES).append("; `otherworld restore --outcomes` reads them, delivers the\n")
                .append("# crash-procedure reports and writes restore.json.\n")
                .append("here=$(cd \"$(dirname \"$0\")\" && pwd) || exit 1\n")
                .append("out=\"$here/").append(OUTCOMES).append("\"\n")
                .append(": > \"$out\" || exit 1\n")
                .append("criu=${OTHERWORLD_CRIU:-criu}\n")
                .append("cursor=${OW_PID_CURSOR:-/proc/sys/kernel/ns_last_pid}\n")
                .append("limit=\"\"\n")
                .append("command -v timeout >/dev/null 2>&1 && limit=\"timeout ${OW_SET_TIMEOUT:-180}\"\n")
                .append("uptime_ms() { awk '{ printf \"%d\", $1 * 1000 }' /proc/uptime; }\n")
                .append("# criu puts every task at its original pid: nothing started from here on may take one of them\n")
                .append("need=").append(max).append('\n')
                .append("last=$(cat \"$cursor\" 2>/dev/null || echo \"$need\")\n")
                .append("if [ \"$last\" -lt \"$need\" ] 2>/dev/null && echo \"$need\" > \"$cursor\"; then\n")
                .append("\techo \"restore: fresh pids start above $need (were at $last)\"\n")
                .append("fi\n")
                .append("restore_set() {\n")
                .append("\troot=$1\n")
                .append("\tshift\n")
                .append("\tt0=$(uptime_ms)\n")
                .append("\t$limit \"$criu\" restore -D \"$here/$root\"");
        for (String a : Restorer.COMMON_ARGS) {
            b.append(' ').append(a);
        }
        b.append(" \"$@\" > \"$here/$root/").append(Restorer.CRIU_OUT).append("\" 2>&1\n")
                .append("\trc=$?\n")
                .append("\tms=$(( $(uptime_ms) - t0 ))\n")
                .append("\techo \"$root $rc $ms\" >> \"$out\"\n")
                // not "set N: ...": the harness reads those lines as the restore tool's verdict per set
                .append("\techo \"criu restore of set $root: exit $rc in $ms ms\"\n")
                .append("}\n");
        for (ImageSetEntry s : ordered) {
            b.append("restore_set ").append(s.root());
            for (String a : Restorer.setArgs(s)) {
                b.append(' ').append(a);
            }
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * Writes the script for the sets under {@code images} (unreadable manifests are left out, as the
     * restore tool leaves them out); returns the number of sets it restores.
     */
    public static int write(Path images) throws IOException {
        List<ImageSetEntry> sets = RestoreOrder.order(Restorer.find(images, new ArrayList<>()));
        Path f = images.resolve(FILE);
        Files.writeString(f, text(sets), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        return sets.size();
    }

    /** The outcomes the script recorded, by set root; malformed lines go to {@code errors}. */
    static Map<Integer, Outcome> readOutcomes(Path file, List<String> errors) {
        Map<Integer, Outcome> out = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            errors.add("cannot read the restore script's outcomes " + file + ": " + e.getMessage());
            return out;
        }
        for (String l : lines) {
            String[] f = l.strip().split("\\s+");
            try {
                if (f.length != 3) {
                    throw new NumberFormatException("3 fields expected");
                }
                Outcome o = new Outcome(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]));
                out.put(o.root(), o);
            } catch (NumberFormatException e) {
                errors.add(file + ": malformed outcome line '" + l + "' (" + e.getMessage() + ")");
            }
        }
        return out;
    }
}
