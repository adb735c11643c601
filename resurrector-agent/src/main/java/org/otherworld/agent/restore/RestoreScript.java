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
 * to the image sets it made, that runs {@code criu restore} for every set with the same arguments as
 * {@link Restorer#criuCommand}, after moving the pid allocator past every pid the sets need. Sets are
 * restored in waves ({@link #waves}): a set whose root's parent is in another set waits for that set;
 * independent sets run at once, the largest first, one criu per CPU ({@code OW_RESTORE_JOBS} overrides). Each set's exit code and time go to {@link #OUTCOMES}; {@code otherworld restore --outcomes}
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
 * (default 180, applied when {@code timeout} exists), {@code OW_RESTORE_JOBS} how many criu run at once.
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
                .append("}\n")
                .append("# sets of one wave are independent (a set whose root's parent is in another set is in a later\n")
                .append("# wave): up to $jobs criu run at once, one per CPU unless OW_RESTORE_JOBS says otherwise; a\n")
                .append("# set starts as soon as one of them ends (a token per job in a FIFO), else one after the other\n")
                .append("jobs=${OW_RESTORE_JOBS:-$(grep -c '^processor' /proc/cpuinfo 2>/dev/null)}\n")
                .append("case \"$jobs\" in ''|*[!0-9]*|0) jobs=1 ;; esac\n")
                .append("fifo=\"$here/.restore-jobs\"\n")
                .append("if [ \"$jobs\" -gt 1 ] && rm -f \"$fifo\" && mkfifo \"$fifo\" 2>/dev/null && exec 3<>\"$fifo\"; then\n")
                .append("\trm -f \"$fifo\"\n")
                .append("\ti=0\n")
                .append("\twhile [ $i -lt \"$jobs\" ]; do echo >&3; i=$((i + 1)); done\n")
                .append("\tstart_set() { read -r _ <&3; { restore_set \"$@\"; echo >&3; } & }\n")
                .append("else\n")
                .append("\tstart_set() { restore_set \"$@\"; }\n")
                .append("fi\n")
                .append("wave() { wait; }\n");
        List<Integer> waves = waves(ordered);
        List<Integer> byWave = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            byWave.add(i);
        }
        // within a wave the largest sets first (their criu runs longest: fewer idle CPUs at the wave's end),
        // then restore order
        List<Long> bytes = ordered.stream().map(e -> pageBytes(e.dir())).toList();
        byWave.sort(java.util.Comparator.<Integer, Integer>comparing(waves::get)
                .thenComparing(i -> -bytes.get(i)));
        for (int k = 0; k < byWave.size(); k++) {
            int i = byWave.get(k);
            if (k > 0 && !waves.get(i).equals(waves.get(byWave.get(k - 1)))) {
                b.append("wave\n");
            }
            b.append("start_set ").append(ordered.get(i).root());
            for (String a : Restorer.setArgs(ordered.get(i))) {
                b.append(' ').append(a);
            }
            b.append('\n');
        }
        return b.append("wave\n").toString();
    }

    /** "pages-N.img" (N decimal): the page images of a set. */
    private static final java.util.regex.Pattern PAGE_IMAGE = java.util.regex.Pattern.compile("pages-\\d+\\.img");

    static boolean isPageImage(String name) {
        return PAGE_IMAGE.matcher(name).matches();
    }

    /** The bytes of a set's page images (pages-*.img): what its restore copies; 0 when unreadable. */
    static long pageBytes(Path setDir) {
        if (setDir == null) {
            return 0;
        }
        try (java.util.stream.Stream<Path> files = Files.list(setDir)) {
            return files.filter(f -> isPageImage(f.getFileName().toString())).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * The wave of each set of {@code ordered} (restore order: parents' sets first): 0 for a set whose
     * root's parent is in no other set, else one more than the wave of the set holding that parent.
     */
    static List<Integer> waves(List<ImageSetEntry> ordered) {
        List<Integer> w = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            int wave = 0;
            for (int j = 0; j < i; j++) {
                if (ordered.get(j).contains(ordered.get(i).parent())) {
                    wave = Math.max(wave, w.get(j) + 1);
                }
            }
            w.add(wave);
        }
        return w;
    }

    /**
     * Writes the script for the sets under {@code images} (unreadable manifests are left out, as the
     * restore tool leaves them out); returns the number of sets it restores.
     */
    public static int write(Path images) throws IOException {
        return write(images, Restorer.find(images, new ArrayList<>()));
    }

    /** Writes the script for {@code found}, the sets under {@code images}; returns their number. */
    public static int write(Path images, List<ImageSetEntry> found) throws IOException {
        List<ImageSetEntry> sets = RestoreOrder.order(found);
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
