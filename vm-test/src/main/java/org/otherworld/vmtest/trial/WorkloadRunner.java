package org.otherworld.vmtest.trial;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.otherworld.vmtest.vm.SerialConsole;

/** Starts workloads on a booted guest and waits, with a deadline, until each is ready. */
public final class WorkloadRunner {
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

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
                SerialConsole.CommandResult r = console.run("cd " + w.dir() + " && " + w.ready(), Duration.ofSeconds(30));
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
