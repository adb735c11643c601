package org.otherworld.vmtest.trial;

import java.nio.file.Path;
import java.util.List;

/**
 * A program the harness runs in the guest before the crash and checks after resurrection. Every
 * workload runs in its own session (setsid: CRIU needs the session leader inside the dump) with its
 * leader's pid in {@code dir/.ow-pid}.
 *
 * @param name     label in reports
 * @param dir      its working directory in the guest
 * @param command  the shell command it runs (in dir)
 * @param ready    a shell condition that holds once it has started properly
 * @param probe    prints its pre-crash state (a value the check compares with), or null
 * @param check    shell command run after resurrection, with {@code $PRE} set to the probe's output and
 *                 {@code $OW_PID} to the pid recorded before the crash; exit 0 means its state is sound.
 *                 It must not read {@code .ow-pid} back: a file written seconds before the crash can be
 *                 empty on disk afterwards (campaign faults fire within seconds of the start)
 * @param hostDir  for user workloads, the host directory copied to dir; else null
 */
public record Workload(String name, String dir, String command, String ready, String probe, String check,
                       Path hostDir) {

    public String startCommand() {
        return "mkdir -p " + dir + " && (cd " + dir + " && setsid sh -c 'echo $$ > .ow-pid; " + command
                + "' </dev/null >" + dir + "/.ow-out.log 2>&1 &)";
    }

    /** The host directories of user workloads, by their path on the data disk (relative to /data). */
    public static java.util.Map<String, Path> dataFiles(List<Workload> workloads) {
        java.util.Map<String, Path> files = new java.util.LinkedHashMap<>();
        for (Workload w : workloads) {
            if (w.hostDir() != null) {
                files.put(w.dir().substring("/data/".length()), w.hostDir());
            }
        }
        return files;
    }

    /** The check as run in the guest: in dir, with {@code $PRE} and {@code $OW_PID} set. */
    public String checkCommand(int pid, String pre) {
        return "cd " + dir + " && PRE='" + (pre == null ? "" : pre.replace("'", "'\\''")) + "' && export OW_PID=" + pid
                + " && " + check;
    }

    public String pidFile() {
        return dir + "/.ow-pid";
    }

    static final String DEMOS = "/opt/ow/lib/otherworld-demos.jar";
    /**
     * How the demo JVMs run: no perf-data file (a shared mapping on tmpfs), a bounded heap, the SDK's
     * state on the persistent disk, and JNA's native stub loaded from a plain file there (JNA would
     * otherwise map a deleted temp file, which cannot be restored).
     */
    static final String JAVA = "java -XX:-UsePerfData -XX:+UseSerialGC -Xmx32m -Xss512k"
            + " -Dotherworld.state.dir=/data/otherworld/state -Djna.boot.library.path=/opt/ow/lib/jna -Djna.nounpack=true";
    static final String DEMO = JAVA + " -cp " + DEMOS + " org.otherworld.demo.Main ";

    /** The harness's own demo workloads. */
    public static List<Workload> demos() {
        return List.of(
                new Workload("shell-loop", "/data/work/shell-loop",
                        "i=0; while :; do i=$((i+1)); echo $i > count.tmp; mv count.tmp count; sleep 0.2; done",
                        "test -s count", "cat count", "/opt/ow/guest/counter-check.sh count $PRE", null),
                // in an IPC namespace of its own: CRIU restores SysV shared memory only together
                // with its IPC namespace, never into the host's (see docs/resurrection.md)
                new Workload("mtworker", "/data/work/mtworker",
                        "exec unshare -i /opt/ow/bin/mtworker run /data/work/mtworker",
                        "test -s mtworker.log", null,
                        "nsenter -t $OW_PID -i /opt/ow/bin/mtworker check /data/work/mtworker", null),
                new Workload("jvm-counter", "/data/work/jvm-counter",
                        "exec " + DEMO + "counter /data/work/jvm-counter/count 200",
                        "test -s count", "cat count", "/opt/ow/guest/counter-check.sh count $PRE", null));
    }

    /**
     * The crash-procedure demo applications (issue 5): journal (no procedure, resurrected
     * transparently), sessions (procedure: continue, listening again only if a TCP socket was lost) and kvstore
     * (procedure: save, restart in place). Their clients record what was acknowledged before the
     * crash; their checks prove nothing acknowledged was lost.
     */
    public static List<Workload> sdkDemos() {
        return List.of(
                new Workload("journal", "/data/work/journal",
                        "exec " + DEMO + "journal /data/work/journal 100",
                        "test -s status.txt", null, DEMO + "journal-check /data/work/journal", null),
                new Workload("sessions", "/data/work/sessions",
                        "exec " + DEMO + "sessions 8080 /data/work/sessions",
                        "test -s acked.txt || " + DEMO + "sessions-client 127.0.0.1:8080 20 /data/work/sessions/acked.txt",
                        null, DEMO + "sessions-check 127.0.0.1:8080 /data/work/sessions/acked.txt", null),
                new Workload("kvstore", "/data/work/kvstore",
                        "exec " + DEMO + "kvstore 7070 /data/work/kvstore",
                        "test -s acked.txt || " + DEMO + "kvstore-client 127.0.0.1:7070 50 /data/work/kvstore/acked.txt",
                        null, DEMO + "kvstore-check 127.0.0.1:7070 /data/work/kvstore/acked.txt", null));
    }

    /**
     * Pipes and sockets with data in flight (issue 10), part of the default trial: {@code pipeline}
     * (producer | consumer over an anonymous pipe the producer keeps full, every byte of the sequence
     * checked), {@code unixpair} (a Unix stream socket server and client with 32 requests
     * outstanding, every answer checked) and {@code tcploop} (loopback TCP, {@link #tcpLoop()}); all from
     * demo-apps/src/main/c. Their checks pass when no byte or answer was lost, duplicated or reordered and
     * the conversation still advances.
     */
    public static List<Workload> channelDemos() {
        return List.of(
                new Workload("pipeline", "/data/work/pipeline",
                        "/opt/ow/bin/pipeline produce | /opt/ow/bin/pipeline consume /data/work/pipeline",
                        "test -s progress", null, "/opt/ow/bin/pipeline check /data/work/pipeline", null),
                new Workload("unixpair", "/data/work/unixpair",
                        "/opt/ow/bin/unixpair server /data/work/unixpair/srv.sock & "
                                + "/opt/ow/bin/unixpair client /data/work/unixpair/srv.sock /data/work/unixpair",
                        "test -s progress", null, "/opt/ow/bin/unixpair check /data/work/unixpair", null),
                tcpLoop());
    }

    /**
     * Loopback TCP (issue 10): {@code tcploop} (demo-apps/src/main/c) runs a server and a client in the
     * guest, one process tree (the workload's {@code sh -c} execs the client, whose child is the server:
     * both ends of every connection are restored by the same criu restore; a socket restored alone would
     * send to a port that has no socket yet and be reset). The client keeps 48 numbered requests outstanding on a 127.0.0.1 and a
     * ::1 connection and reads answers slowly, so at the crash bytes wait unread in both directions; both
     * sides check every number. The check passes when neither side saw anything lost, duplicated or
     * reordered and both connections still advance.
     */
    public static Workload tcpLoop() {
        return new Workload("tcploop", "/data/work/tcploop",
                "/opt/ow/bin/tcploop server /data/work/tcploop & /opt/ow/bin/tcploop client /data/work/tcploop",
                "test -s progress", "cat progress", "/opt/ow/bin/tcploop check /data/work/tcploop", null);
    }

    /**
     * Files written in the seconds before the crash, part of the default trial: {@code recent-files}
     * ({@code /opt/ow/guest/recent-files.sh}) makes a new multi-page file every 0.25 s and appends its number
     * to a log it keeps open. The kernel writes such files back within seconds, so at the panic their pages
     * are clean while their block allocation, size and name may be in a journal transaction that never
     * commits (measured 2026-11-24: without the resurrector's journal check, files written 3-4 s before the
     * crash came back empty). The check passes when the last 50 files and the log are exactly as written and
     * the loop goes on.
     */
    public static List<Workload> fileDemos() {
        return List.of(new Workload("recent-files", "/data/work/recent-files",
                "exec /opt/ow/guest/recent-files.sh run /data/work/recent-files", "test -s held.log",
                "tail -n 1 held.log", "/opt/ow/guest/recent-files.sh check /data/work/recent-files \"$PRE\"", null));
    }

    /**
     * Shared anonymous memory, part of the default trial: {@code shanon} (demo-apps/src/main/c) maps 16 pages
     * MAP_SHARED | MAP_ANONYMOUS, fills 14 with a pattern (one stays a hole), forks, and parent and child
     * each count in the shared first page; the parent sees the child's counter only through it. The
     * check passes when, after the resurrection, both counters advance in the parent's view (the mapping
     * is still one object, not two copies), are past their pre-crash values, and no pattern page broke.
     */
    public static List<Workload> memoryDemos() {
        return List.of(new Workload("shanon", "/data/work/shanon", "exec /opt/ow/bin/shanon run /data/work/shanon",
                "test -s progress", "cat progress", "/opt/ow/bin/shanon check /data/work/shanon \"$PRE\"", null));
    }

    /**
     * The kvstore and sessions demos without a crash procedure ({@code --no-crash-procedure}), each with a
     * client in the same process tree that holds ONE connection across the crash ({@code kvstore-hold},
     * {@code sessions-hold}; a few requests a second, each acknowledged one recorded). Everything they
     * hold is restored (the listening socket, the established connection, memory), so they are
     * resurrected without a procedure and simply continue. The check ({@code hold-check}) passes when
     * the client is on the connection it had before the crash (same local port), has gone on past its
     * pre-crash count, still advances, and every acknowledged entry is served over a new connection.
     */
    public static List<Workload> noProcedureDemos() {
        return List.of(holdWorkload("kvstore-noproc", "kvstore", 7071), holdWorkload("sessions-noproc", "sessions", 8081));
    }

    private static Workload holdWorkload(String name, String kind, int port) {
        String dir = "/data/work/" + name;
        String addr = "127.0.0.1:" + port;
        // the server is the session's main process (exec), the client its child
        return new Workload(name, dir, DEMO + kind + "-hold " + addr + " " + dir + " & exec " + DEMO + kind + " " + port
                + " " + dir + " --no-crash-procedure", "test -s progress", "cat progress",
                DEMO + "hold-check " + kind + " " + addr + " " + dir + " \"$PRE\"", null);
    }

    /**
     * FPU state of threads running at the crash (kernel patch 0001): {@code fpuspin} (demo-apps/src/main/c)
     * runs one thread per guest CPU, each spinning without system calls with a pattern of its own in
     * all vector registers (ymm0-15, or xmm0-15 without AVX2) that it checks every iteration against an
     * iteration number kept in a general register. Its check passes when the process is alive, every
     * thread's counter advanced after the restore, and no thread found its registers broken; its first
     * output line is "pattern intact|broken|unknown: ...". Not in the default set: on a stock kernel
     * the thread running on another CPU at the panic comes back with stale vector registers.
     */
    public static Workload fpu() {
        return new Workload("fpu", "/data/work/fpu", "exec /opt/ow/bin/fpuspin run /data/work/fpu",
                "test -s progress", "cat progress", "/opt/ow/bin/fpuspin check /data/work/fpu \"$PRE\"", null);
    }

    /**
     * Event descriptors (issue 10 part 5): {@code evfds} (demo-apps/src/main/c) holds an eventfd (counter 41),
     * a periodic 1 s timerfd, a signalfd for the blocked SIGUSR2, an inotify watch on {@code watched} and an
     * epoll watching them with data cookies. Its check sends SIGUSR2, modifies {@code watched}, and passes
     * when the restored process sees both through the epoll with the original cookies, its timer keeps
     * ticking once a second and the eventfd still reads 41.
     */
    public static Workload evfds() {
        return new Workload("evfds", "/data/work/evfds", "exec /opt/ow/bin/evfds run /data/work/evfds",
                "test -s status", "cat status", "/opt/ow/bin/evfds check /data/work/evfds", null);
    }

    /**
     * A pseudo-terminal with settings and input in flight (issue 10, terminals): {@code ptyhold}
     * (demo-apps/src/main/c) opens a pty pair; its child is a session leader with the slave as controlling
     * terminal in raw mode (no ICANON/ECHO/OPOST, VMIN 3, VTIME 7, VINTR ^X) and a 37x111 window, and writes
     * a line the parent has not read; the parent writes a line of input the child has not read. The check
     * lets both go on after the resurrection: it passes when the child finds its settings, its controlling
     * terminal and foreground group and the input unchanged, and the parent the pending line and the
     * child's answer. Not in the default set.
     */
    public static Workload terminal() {
        return new Workload("ptyhold", "/data/work/ptyhold", "exec /opt/ow/bin/ptyhold run /data/work/ptyhold",
                "test -s progress", null, "/opt/ow/bin/ptyhold check /data/work/ptyhold", null);
    }

    /**
     * {@link #terminal()} with the child's terminal in canonical mode with output post-processing (ICANON,
     * no ECHO, OPOST|ONLCR, VEOF ^A): two complete input lines and a pending output line that reached the
     * master as "...\r\n" must come back once each.
     */
    public static Workload canonicalTerminal() {
        return new Workload("ptyhold-canon", "/data/work/ptyhold-canon",
                "exec /opt/ow/bin/ptyhold run /data/work/ptyhold-canon canon", "test -s progress", null,
                "/opt/ow/bin/ptyhold check /data/work/ptyhold-canon", null);
    }

    /** Built-in workloads by name (demos, SDK demos, pipes and sockets, fpu, evfds, ptyhold), for {@code --workload NAME}; null if unknown. */
    public static Workload builtin(String name) {
        for (Workload w : builtins()) {
            if (w.name().equals(name)) {
                return w;
            }
        }
        return null;
    }

    public static List<String> builtinNames() {
        return builtins().stream().map(Workload::name).toList();
    }

    private static List<Workload> builtins() {
        List<Workload> all = new java.util.ArrayList<>(demos());
        all.addAll(sdkDemos());
        all.addAll(channelDemos());
        all.addAll(fileDemos());
        all.addAll(memoryDemos());
        all.addAll(noProcedureDemos());
        all.add(fpu());
        all.add(evfds());
        all.add(terminal());
        all.add(canonicalTerminal());
        // a limit shown, not a feature: the session member's controlling terminal is not restored by criu
        // (docs/resurrection.md, Terminals), so this check fails by design
        all.add(new Workload("ptyhold-member", "/data/work/ptyhold-member",
                "exec /opt/ow/bin/ptyhold run /data/work/ptyhold-member member", "test -s progress", null,
                "/opt/ow/bin/ptyhold check /data/work/ptyhold-member", null));
        return all;
    }

    /**
     * The TCP survival workload: {@code tcpecho} serving one connection on {@code port} (a host
     * {@link TcpEchoClient} connects through the VM's forwarded port); its check waits (up to 110 s)
     * until the client has said {@code bye}, i.e. until every line was answered after the resurrection.
     */
    public static Workload tcpEcho(int port) {
        return new Workload("tcpecho", "/data/work/tcpecho", "exec /opt/ow/bin/tcpecho " + port + " /data/work/tcpecho",
                "grep -q connected .ow-out.log", null,
                "for i in $(seq 110); do test -e done && break; sleep 1; done; cat .ow-out.log; test -e done", null);
    }

    /** A user workload: HOSTDIR copied to /data/workloads/NAME, its ./start run there, its ./check after. */
    public static Workload user(String name, Path hostDir) {
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("workload name must be [A-Za-z0-9_.-]+: " + name);
        }
        String dir = "/data/workloads/" + name;
        return new Workload(name, dir, "./start; echo $? > .ow-start-exit",
                "test -e .ow-start-exit -a \"$(cat .ow-start-exit 2>/dev/null)\" = 0 || { test ! -e .ow-start-exit && kill -0 $(cat .ow-pid); }",
                null, "./check", hostDir);
    }
}
