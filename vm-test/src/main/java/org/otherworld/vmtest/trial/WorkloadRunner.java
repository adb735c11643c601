package org.otherworld.vmtest.trial;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.otherworld.vmtest.vm.SerialConsole;

/** Starts workloads on a booted guest and waits, with a deadline, until each is ready. */
public final class WorkloadRunner {
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    private final SerialConsole console;
    private final Consumer<String> log;

    public WorkloadRunner(SerialConsole console, Consumer<String> log) {
        this.console = console;
        this.log = log;
    }

    /** Starts them all, then waits for each; returns name -> pid of its session leader. */
    public Map<String, Integer> start(List<Workload> workloads) {
        for (Workload w : workloads) {
            console.check(w.startCommand(), Duration.ofSeconds(30));
        }
        Map<String, Integer> pids = new LinkedHashMap<>();
        for (Workload w : workloads) {
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            while (true) {
                SerialConsole.CommandResult r = console.run("cd " + w.dir() + " && " + w.ready(), READY_TIMEOUT);
                if (r.exit() == 0) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    String out = console.run("cat " + w.dir() + "/.ow-out.log 2>/dev/null | tail -n 20", Duration.ofSeconds(30)).output();
                    throw new IllegalStateException("workload " + w.name() + " not ready after " + READY_TIMEOUT.toSeconds()
                            + " s; its output:\n" + out);
                }
                sleep(1000);
            }
            int pid = Integer.parseInt(console.check("cat " + w.pidFile(), Duration.ofSeconds(30)).strip());
            pids.put(w.name(), pid);
            log.accept("workload " + w.name() + ": running, pid " + pid);
        }
        return pids;
    }

    /** A process of a workload's session: pid, start time (clock ticks since boot) and command line. */
    public record Member(int pid, long startTicks, String cmdline) {
    }

    /**
     * The processes of a workload's session (the session its leader made with setsid), oldest first;
     * empty when none runs. Read from /proc/PID/stat (fields after the command name: state, ppid, pgrp,
     * session, ... starttime) and /proc/PID/cmdline.
     */
    public List<Member> members(int sid) {
        String out = console.run("for d in /proc/[0-9]*; do f=$(cut -d')' -f2 $d/stat 2>/dev/null);"
                + " [ \"$(echo $f | cut -d' ' -f4)\" = " + sid + " ] && echo \"${d#/proc/} $(echo $f | cut -d' ' -f20)"
                + " $(tr '\\0' ' ' < $d/cmdline)\"; done", Duration.ofSeconds(60)).output();
        return parseMembers(out);
    }

    static List<Member> parseMembers(String out) {
        List<Member> m = new java.util.ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.strip().split(" ", 3);
            if (f.length >= 2 && f[0].matches("\\d+") && f[1].matches("\\d+")) {
                m.add(new Member(Integer.parseInt(f[0]), Long.parseLong(f[1]), f.length > 2 ? f[2].strip() : ""));
            }
        }
        m.sort(java.util.Comparator.comparingLong(Member::startTicks).thenComparingInt(Member::pid));
        return m;
    }

    /** Each workload's pre-crash state from its probe (empty string when it has none). */
    public Map<String, String> probe(List<Workload> workloads) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Workload w : workloads) {
            out.put(w.name(), w.probe() == null ? "" : console.run("cd " + w.dir() + " && " + w.probe(), Duration.ofSeconds(30)).output().strip());
        }
        return out;
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
