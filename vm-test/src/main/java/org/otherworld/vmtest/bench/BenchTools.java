package org.otherworld.vmtest.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.otherworld.vmtest.trial.Workload;

/**
 * The guest side of the benchmark: {@code owbench} (a small static C program, built here on the host)
 * and the workloads made of it, each a host directory copied to /data/workloads/NAME on the guest's
 * data disk. Every directory holds owbench, {@code verify-mem PROCS THREADS} (asks each owbench process of the
 * workload to verify its memory pattern; prints {@code procs_ok=K/N found=F threads=T/W}) and
 * {@code poll-server} (polls the sessions demo until a good reply; prints {@code first_request_uptime=S}, S
 * from /proc/uptime) and {@code first-request} (prints what a resurrected {@code owbench watch} noted: the
 * same line for its first good reply under the new kernel).
 */
public final class BenchTools {
    static final String GUEST_ROOT = "/data/workloads/";

    static final String VERIFY_MEM = """
            #!/bin/sh
            # verify-mem PROCS THREADS: asks every owbench mem process of this workload to verify its
            # memory (SIGUSR1), then prints procs_ok=K/N found=F threads=T/W; exit 0 when all N processes
            # verified and the first (lowest pid: it forks the others) runs W threads. The expected counts
            # are arguments, not read from the workload's own files: a file written right before the
            # crash is exactly what may be lost.
            procs=$1; threads=$2
            cd "$(dirname "$0")"
            rm -f verify.*
            pids=""
            main=""
            for d in /proc/[0-9]*; do
            	[ "$(cat $d/comm 2>/dev/null)" = owbench ] || continue
            	case "$(tr '\\0' ' ' < $d/cmdline 2>/dev/null)" in *" $PWD "*) ;; *) continue ;; esac
            	p=${d#/proc/}
            	pids="$pids $p"
            	if [ -z "$main" ] || [ "$p" -lt "$main" ]; then main=$p; fi
            done
            n=0
            for p in $pids; do kill -USR1 $p; n=$((n + 1)); done
            i=0
            while [ $i -lt 1500 ]; do
            	k=0
            	for p in $pids; do [ -s verify.$p ] && k=$((k + 1)); done
            	[ $k -ge $n ] && break
            	sleep 0.2
            	i=$((i + 1))
            done
            ok=0
            for p in $pids; do grep -q '^ok' verify.$p 2>/dev/null && ok=$((ok + 1)); done
            t=$(awk '/^Threads:/ {print $2}' /proc/$main/status 2>/dev/null)
            echo "procs_ok=$ok/$procs found=$n threads=${t:-0}/$threads"
            [ "$ok" = "$procs" ] && [ "$n" = "$procs" ] && [ "${t:-0}" = "$threads" ]
            """;

    /**
     * The server whose first good reply ends the downtime: the sessions demo, whose crash procedure
     * continues (kvstore's demo procedure asks for SAVE_AND_RESTART: a JVM re-exec and a reload, the
     * fallback path, which would measure the SDK's restart rather than the resurrection).
     */
    static final String FIRST_SERVER = "127.0.0.1:8080";
    static final String FIRST_PROTOCOL = "http";
    static final String FIRST_SERVER_NAME = "sessions";

    static final String POLL_SERVER = """
            #!/bin/sh
            # the first good reply of the sessions demo server (127.0.0.1:8080, GET /stats), polled every 0.1 s
            cd "$(dirname "$0")"
            n=0
            until ./owbench req 127.0.0.1:8080 http; do
            	n=$((n + 1))
            	[ $n -ge 1800 ] && { echo "no good sessions reply within 180 s"; exit 1; }
            	sleep 0.1
            done
            echo "first_request_uptime=$(cut -d' ' -f1 /proc/uptime) attempts=$n"
            """;

    static final String FIRST_REQUEST = """
            #!/bin/sh
            # the first good sessions reply after the resurrection, as the resurrected watcher (owbench watch)
            # saw it: waits up to 180 s for its first-reply file
            cd "$(dirname "$0")"
            n=0
            until [ -s first-reply ]; do
            	n=$((n + 1))
            	[ $n -ge 1800 ] && { echo "no good sessions reply seen by the watcher within 180 s"; exit 1; }
            	sleep 0.1
            done
            cat first-reply
            """;


    private final Path root;
    private Path binary;

    /** Tools under {@code root} (one directory per workload). */
    public BenchTools(Path root) {
        this.root = root;
    }

    /** Builds owbench (gcc -static) once; a clear error when the host has no compiler or static libc. */
    public synchronized Path binary() {
        if (binary != null) {
            return binary;
        }
        try {
            Path dir = root.resolve("build");
            Files.createDirectories(dir);
            Path src = dir.resolve("owbench.c");
            try (InputStream in = BenchTools.class.getResourceAsStream("/bench/owbench.c")) {
                if (in == null) {
                    throw new IllegalStateException("owbench.c is missing from the vm-test jar");
                }
                Files.write(src, in.readAllBytes());
            }
            Path bin = dir.resolve("owbench");
            Process p = new ProcessBuilder("gcc", "-O2", "-static", "-pthread", "-o", bin.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("cannot build owbench (gcc -static, needs libc6-dev): " + out.strip());
            }
            binary = bin;
            return bin;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build owbench in " + root, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building owbench", e);
        }
    }

    /** The workload name of a memory/process/thread point. */
    static String memName(int mib, int procs, int threads) {
        return "mem-" + mib + "m-" + procs + "p-" + threads + "t";
    }

    /**
     * {@code procs} processes (the first with {@code mib} MiB, the others 1 MiB each) and {@code threads}
     * threads in the first; its check verifies every process's memory and the thread count.
     */
    public Workload memory(int mib, int procs, int threads) {
        return memory(memName(mib, procs, threads), mib, procs, threads, "./verify-mem " + procs + " " + threads);
    }

    /**
     * The first-request probe of the default trial: a client of the sessions server ({@code owbench
     * watch}) that is resurrected with it and asks every 0.1 s; it notes the guest uptime of its first
     * good reply under the new kernel, which its check prints. The measure is the applications' own
     * (nothing waits for the harness's post-boot checks).
     */
    public Workload firstRequest() {
        Workload w = memory(Bench.FIRST_REQUEST, 1, 1, 1, "./first-request");
        return new Workload(w.name(), w.dir(), "mkdir -p /data/work; exec ./owbench watch " + FIRST_SERVER + " " + FIRST_PROTOCOL
                + " " + w.dir(),
                w.ready(), w.probe(), w.check(), w.hostDir());
    }

    /**
     * The live guest's probe (cold reboot and criu baselines): an idle 1 MiB owbench process whose
     * directory holds the tools; {@code ./poll-server} there asks the sessions server every 0.1 s until
     * it answers. No connection of its own, so {@code criu dump} never meets one.
     */
    public Workload kvPoller() {
        return memory(Bench.FIRST_REQUEST, 1, 1, 1, "./poll-server");
    }

    private Workload memory(String name, int mib, int procs, int threads, String check) {
        Path dir = root.resolve(name);
        try {
            Files.createDirectories(dir);
            Files.copy(binary(), dir.resolve("owbench"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            script(dir.resolve("verify-mem"), VERIFY_MEM);
            script(dir.resolve("first-request"), FIRST_REQUEST);
            script(dir.resolve("poll-server"), POLL_SERVER);
            executable(dir.resolve("owbench"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare workload " + name + " in " + dir, e);
        }
        String guestDir = GUEST_ROOT + name;
        // ready once its memory is filled, and synced: files created in the seconds before the crash
        // (its log, its ready file) were lost in the first bench run (ext4 metadata not yet committed;
        // the agent writes back dirty file pages, not new directory entries); the scaling trials measure
        // memory, not that
        return new Workload(name, guestDir, command(mib, procs, threads, guestDir), "test -s ready && sync", null, check, dir);
    }

    static String command(int mib, int procs, int threads, String guestDir) {
        // the trial writes its dirty-data probe file into /data/work, which only the demos create
        return "mkdir -p /data/work; exec ./owbench mem " + mib + " " + procs + " " + threads + " " + guestDir;
    }

    private static void script(Path p, String text) throws IOException {
        Files.writeString(p, text);
        executable(p);
    }

    private static void executable(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Guest path of the owbench binary of a prepared workload. */
    static String guestBinary(Workload w) {
        return w.dir() + "/owbench";
    }

    static List<String> names(List<Workload> ws) {
        return ws.stream().map(Workload::name).toList();
    }
}
