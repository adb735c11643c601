package org.otherworld.agent.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.net.InetSocketRead;
import org.otherworld.agent.net.LocalConnections;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.ThreadModel;
import org.otherworld.agent.task.Vma;

/**
 * Decides which processes of the dead kernel are resurrected and groups them into process trees.
 *
 * <p>Rules, in order (the first that applies gives the reason):
 * <ol>
 * <li>zombies and processes without a memory descriptor are not resurrected;</li>
 * <li>system processes (the {@link SystemPolicy}) and their descendants that stayed in their session
 *     are not resurrected;</li>
 * <li>a process whose registration says {@link Policy#NEVER_RESURRECT} is not resurrected;</li>
 * <li>a process that cannot be rebuilt (unreadable essential state, memory that cannot be restored:
 *     {@link ResourceClassifier#vmaBlocker}) is not resurrected;</li>
 * <li>the faulty process (a thread of it was current on the panicking CPU) is resurrected only if it
 *     registered a crash procedure (or {@link Config#resurrectFaulty});</li>
 * <li>a process with unrestored resources is resurrected only if it registered a crash procedure, or
 *     its policy is {@link Policy#RESURRECT_EVEN_IF_PARTIAL} (or {@link Config#partialWithoutProcedure});
 *     advisory ones ({@link UnrestoredResource#advisory()}: a thread's stale FPU copy, a lost controlling
 *     terminal) are only reported;</li>
 * <li>everything else is resurrected.</li>
 * </ol>
 * A tree is rooted at each resurrected process whose parent is not resurrected, or is in another IPC
 * namespace (criu restores one IPC namespace per tree, created for its root).
 */
public final class Planner {
    /** Parts of a process whose read errors make it impossible to rebuild. */
    public static final Set<String> ESSENTIAL_PARTS = Set.of("task", "cred", "fs", "threads", "mm", "vmas", "signals",
            "files", "rlimits");
    /** Bound on the depth of the parent chain followed (pid chains are short; cycles mean corruption). */
    public static final int MAX_DEPTH = 4096;

    /**
     * Tunable rules (Otherworld's defaults: both false).
     *
     * @param resurrectFaulty         resurrect the faulty process even without a crash procedure
     * @param partialWithoutProcedure resurrect processes with unrestored resources even without a procedure
     */
    public record Config(boolean resurrectFaulty, boolean partialWithoutProcedure) {
        public static Config defaults() {
            return new Config(false, false);
        }
    }

    /**
     * All per-process plans (by pid), the trees to write, and what was completed on the TCP connections
     * between two resurrected sockets ({@link LocalConnections}).
     */
    public record Result(List<ProcessPlan> processes, List<ResurrectionPlan> trees,
                         LocalConnections.Result connections) {
        public Result {
            processes = List.copyOf(processes);
            trees = List.copyOf(trees);
        }

        public Optional<ProcessPlan> process(int pid) {
            return processes.stream().filter(p -> p.pid() == pid).findFirst();
        }
    }

    private final SystemPolicy policy;
    private final Registrations registrations;
    private final FileSystemOracle fileSystems;
    private final Config config;
    private final SocketOracle sockets;
    private final IpcNamespaceOracle ipc;

    /** A planner that knows nothing about sockets (all unrestored) and IPC namespaces (all initial). */
    public Planner(SystemPolicy policy, Registrations registrations, FileSystemOracle fileSystems, Config config) {
        this(policy, registrations, fileSystems, config, SocketOracle.UNKNOWN, IpcNamespaceOracle.INITIAL);
    }

    /**
     * @param sockets the state of unix sockets (stateless ones are restored)
     * @param ipc     the processes' IPC namespaces (SysV shm of a non-initial one is restored with it)
     */
    public Planner(SystemPolicy policy, Registrations registrations, FileSystemOracle fileSystems, Config config,
                   SocketOracle sockets, IpcNamespaceOracle ipc) {
        this.policy = policy;
        this.registrations = registrations;
        this.fileSystems = fileSystems;
        this.config = config;
        this.sockets = sockets;
        this.ipc = ipc;
    }

    /**
     * Plans every process.
     *
     * @param processes  the dead kernel's user processes
     * @param faultyTids the thread ids current on the panicking CPU (usually one; empty if unknown or a
     *                   kernel thread)
     */
    public Result plan(List<ProcessModel> processes, Set<Integer> faultyTids) {
        Map<Integer, ProcessModel> byPid = new LinkedHashMap<>();
        for (ProcessModel p : processes) {
            byPid.putIfAbsent(p.pid(), p);
        }
        Map<Integer, String> system = systemProcesses(byPid);
        CloneChildren clones = CloneChildren.of(byPid.values());
        Set<Long> orphaned = new HashSet<>(); // unix sockets whose peer is not restored with them
        Map<Integer, String> orphanedTtys = new HashMap<>(); // pty ends without their pair or session (tty_info id)
        LocalConnections.Result connections = LocalConnections.complete(inetSockets(byPid.values()));
        Map<Long, InetSocketRead> inet = connections.reads();
        for (int round = 1; ; round++) {
            List<ProcessPlan> plans = new ArrayList<>();
            Map<Integer, Long> ipcNs = new HashMap<>();
            for (ProcessModel p : byPid.values()) {
                IpcNamespaceOracle.IpcNamespace ns = ipc.of(p);
                ipcNs.put(p.pid(), ns == null ? 0L : ns.address());
                plans.add(planOne(p, system.get(p.pid()), faultyTids, ns, orphaned, orphanedTtys, clones, inet));
            }
            plans.sort(Comparator.comparingInt(ProcessPlan::pid));
            List<ResurrectionPlan> trees = trees(plans, ipcNs);
            boolean changed = orphaned.addAll(UnixPeers.unmatched(trees));
            for (Map.Entry<Integer, String> e : TtyPeers.unmatched(trees).entrySet()) {
                changed |= orphanedTtys.putIfAbsent(e.getKey(), e.getValue()) == null;
            }
            if (!changed || round >= UnixPeers.MAX_ROUNDS) {
                return new Result(plans, trees, connections);
            }
        }
    }

    /**
     * The TCP/UDP sockets of every process (socket inode -&gt; read), each read once.
     */
    private Map<Long, InetSocketRead> inetSockets(Collection<ProcessModel> processes) {
        Map<Long, InetSocketRead> reads = new LinkedHashMap<>();
        for (ProcessModel p : processes) {
            for (OpenFile f : p.files() == null ? List.<OpenFile>of() : p.files()) {
                if (f.kind() == org.otherworld.agent.files.FileKind.SOCKET && !reads.containsKey(f.ino())) {
                    InetSocketRead r = sockets.inet(f);
                    if (r != null) {
                        reads.put(f.ino(), r);
                    }
                }
            }
        }
        return reads;
    }

    /** pid -> reason for the system processes and their same-session descendants. */
    private Map<Integer, String> systemProcesses(Map<Integer, ProcessModel> byPid) {
        Map<Integer, String> out = new HashMap<>();
        for (ProcessModel p : byPid.values()) {
            Optional<String> own = policy.match(p);
            if (own.isPresent()) {
                out.put(p.pid(), own.get());
                continue;
            }
            // an ancestor that is a system process, reached without leaving p's session
            ProcessModel cur = p;
            Set<Integer> seen = new HashSet<>();
            for (int d = 0; d < MAX_DEPTH && seen.add(cur.pid()); d++) {
                ProcessModel parent = byPid.get(cur.ppid());
                if (parent == null || parent.sid() != p.sid()) {
                    break;
                }
                Optional<String> m = policy.match(parent);
                if (m.isPresent()) {
                    out.put(p.pid(), "in the session of system process " + parent.pid() + " (" + parent.comm() + ")");
                    break;
                }
                cur = parent;
            }
        }
        return out;
    }

    /** Descriptor kinds whose kernel object {@link SocketOracle#eventFile} reads. */
    private static final Set<org.otherworld.agent.files.FileKind> EVENT_KINDS = java.util.EnumSet.of(
            org.otherworld.agent.files.FileKind.EVENTFD, org.otherworld.agent.files.FileKind.EPOLL,
            org.otherworld.agent.files.FileKind.TIMERFD, org.otherworld.agent.files.FileKind.SIGNALFD,
            org.otherworld.agent.files.FileKind.INOTIFY);

    private ProcessPlan planOne(ProcessModel original, String systemReason, Set<Integer> faultyTids,
                                IpcNamespaceOracle.IpcNamespace ns, Set<Long> orphanedSockets,
                                Map<Integer, String> orphanedTtys, CloneChildren clones,
                                Map<Long, InetSocketRead> inet) {
        Integer creator = clones.neverRanChildOf(original.pid());
        ProcessModel p = withoutUnbornThreads(original, clones);
        Registration reg = registrations.of(p).orElse(null);
        boolean faulty = p.threads().stream().anyMatch(t -> faultyTids.contains(t.tid()));
        List<ResourceClassifier.FdDecision> fds = new ArrayList<>();
        Map<Integer, EventFileFacts> epolls = new HashMap<>();
        List<UnrestoredResource> unrestored = new ArrayList<>();
        if (p.files() != null) {
            for (OpenFile f : p.files()) {
                UnixSocketFacts unix = f.kind() == org.otherworld.agent.files.FileKind.SOCKET ? sockets.unix(f) : null;
                PipeFacts pipe = f.kind() == org.otherworld.agent.files.FileKind.PIPE
                        || f.kind() == org.otherworld.agent.files.FileKind.FIFO ? sockets.pipe(f) : null;
                EventFileFacts event = EVENT_KINDS.contains(f.kind()) ? sockets.eventFile(f) : null;
                if (f.kind() == org.otherworld.agent.files.FileKind.EPOLL && event != null && event.epoll() != null) {
                    epolls.put(f.fd(), event);
                }
                TtyFacts tty = f.kind() == org.otherworld.agent.files.FileKind.PTY ? sockets.tty(f) : null;
                ResourceClassifier.FdDecision d = TtyPeers.apply(UnixPeers.apply(ResourceClassifier.classify(f, unix,
                        pipe, f.kind() == org.otherworld.agent.files.FileKind.SOCKET ? inet.get(f.ino()) : null, event,
                        tty), orphanedSockets), orphanedTtys);
                fds.add(d);
            }
            fds = EpollTargets.resolve(fds, epolls);
            for (ResourceClassifier.FdDecision d : fds) {
                if (!d.restored()) {
                    unrestored.add(d.unrestored());
                }
            }
        }
        SocketOracle.ControllingTerminal ctty = sockets.controllingTerminal(p);
        if (ctty != null) {
            boolean leader = p.pid() == p.sid();
            boolean held = leader && ctty.ptyIndex() >= 0 && fds.stream().anyMatch(d -> d.restored() && d.tty() != null
                    && d.tty().index() == ctty.ptyIndex() && d.tty().sid() == p.pid());
            if (!held) {
                unrestored.add(UnrestoredResource.lostControllingTerminal(ctty.name(), leader));
            }
        }
        for (ThreadModel t : p.threads()) {
            UnrestoredResource fpu = UnrestoredResource.staleFpu(t);
            if (fpu != null) {
                unrestored.add(fpu);
            }
        }
        List<UnrestoredResource> lost = unrestored.stream().filter(u -> !u.advisory()).toList();
        int advisory = (int) unrestored.stream().filter(u -> UnrestoredResource.KIND_FPU.equals(u.kind())).count();
        boolean cttyLost = unrestored.stream().anyMatch(u -> UnrestoredResource.KIND_CTTY.equals(u.kind()));
        String note = (cttyLost ? "; controlling terminal not restored" : "") + (advisory == 0 ? "" : "; FPU state of "
                + advisory + " thread" + (advisory == 1 ? "" : "s") + " approximate");
        List<String> blockers = blockers(p, ns);
        Map<Integer, SyscallRule.Decision> syscalls = new HashMap<>();
        Set<Integer> fileFds = new HashSet<>();
        for (ResourceClassifier.FdDecision d : fds) {
            if (d.restoreAs() == org.otherworld.agent.images.FileKind.REGULAR
                    || d.restoreAs() == org.otherworld.agent.images.FileKind.PIPE
                    || d.restoreAs() == org.otherworld.agent.images.FileKind.FIFO) {
                fileFds.add(d.file().fd());
            }
        }
        for (ThreadModel t : p.threads()) {
            if (t.regs() != null) {
                try {
                    syscalls.put(t.tid(), SyscallRule.decide(t.regs().origAx(), t.regs().get("ax"), t.regs().get("di"),
                            t.regs().get("si"), fileFds::contains, clones.createdBy(t.tid())));
                } catch (IllegalArgumentException e) {
                    blockers.add("thread " + t.tid() + ": " + e.getMessage());
                }
            }
        }
        ProcessPlan plan = new ProcessPlan(p, false, null, reg, faulty, fds, unrestored, blockers, syscalls);
        boolean procedure = reg != null && reg.hasProcedure();
        if (creator != null) {
            return plan.withOutcome(false, "never ran: created by the unfinished clone of thread " + creator
                    + ", which is restarted");
        }
        if (p.state() == 'Z' || p.state() == 'X') {
            return plan.withOutcome(false, "zombie (exited, not yet reaped)");
        }
        if (p.mm() == null && p.errors().stream().noneMatch(e -> e.startsWith("mm:"))) {
            return plan.withOutcome(false, "no memory descriptor");
        }
        if (systemReason != null) {
            return plan.withOutcome(false, systemReason);
        }
        if (reg != null && reg.policy() == Policy.NEVER_RESURRECT) {
            return plan.withOutcome(false, "opted out (NEVER_RESURRECT)");
        }
        if (!blockers.isEmpty()) {
            return plan.withOutcome(false, "cannot be rebuilt: " + String.join("; ", blockers));
        }
        if (faulty && !procedure && !config.resurrectFaulty()) {
            return plan.withOutcome(false, "faulty process (current on the panicking CPU) without a crash procedure");
        }
        if (!lost.isEmpty()) {
            String n = lost.size() + " unrestored resource" + (lost.size() == 1 ? "" : "s");
            if (procedure) {
                return plan.withOutcome(true, n + "; the crash procedure decides" + note);
            }
            if (reg != null && reg.policy() == Policy.RESURRECT_EVEN_IF_PARTIAL) {
                return plan.withOutcome(true, n + "; policy RESURRECT_EVEN_IF_PARTIAL" + note);
            }
            if (config.partialWithoutProcedure()) {
                return plan.withOutcome(true, n + "; partial resurrection allowed by configuration" + note);
            }
            return plan.withOutcome(false, n + " (" + lost.get(0).kind() + " fd " + lost.get(0).fd()
                    + ") and no crash procedure");
        }
        if (faulty) {
            return plan.withOutcome(true, "faulty process with a crash procedure" + note);
        }
        return plan.withOutcome(true, "fully restorable" + note);
    }

    /**
     * {@code p} without its non-leader threads that never ran and whose creating clone is restarted
     * ({@link CloneChildren#neverRanChildOf}): the restarted call creates them again.
     */
    static ProcessModel withoutUnbornThreads(ProcessModel p, CloneChildren clones) {
        List<ThreadModel> kept = p.threads().stream().filter(t -> t.tid() == p.pid()
                || clones.neverRanChildOf(t.tid()) == null).toList();
        if (kept.size() == p.threads().size()) {
            return p;
        }
        return new ProcessModel(p.task(), p.pid(), p.ppid(), p.pgid(), p.sid(), p.comm(), p.state(), p.flags(),
                p.startBoottimeNs(), p.startTimeNs(), p.startTimeTicks(), p.cred(), p.rlimits(), p.personality(),
                p.umask(), p.cwd(), p.root(), p.mm(), kept, p.vmas(), p.pages(), p.actions(), p.sharedPending(),
                p.sharedQueued(), p.files(), p.errors());
    }

    private List<String> blockers(ProcessModel p, IpcNamespaceOracle.IpcNamespace ns) {
        List<String> out = new ArrayList<>();
        for (String e : p.errors()) {
            int colon = e.indexOf(':');
            String part = colon < 0 ? e : e.substring(0, colon);
            if (ESSENTIAL_PARTS.contains(part)) {
                out.add("unreadable " + e);
            }
        }
        if (p.files() == null) {
            out.add("open files not read");
        }
        for (ThreadModel t : p.threads()) {
            if (t.regs() == null) {
                out.add("thread " + t.tid() + ": registers unreadable");
            } else if (!t.regs().userMode()) {
                out.add("thread " + t.tid() + ": saved registers are not user-mode registers");
            }
            if (t.fpu() == null) {
                out.add("thread " + t.tid() + ": FPU state unreadable");
            }
        }
        for (Vma v : p.vmas()) {
            ResourceClassifier.vmaBlocker(v, fileSystems.fsTypeOf(v), ns != null).ifPresent(out::add);
        }
        if (ns != null && ns.blocker() != null) {
            out.add(ns.blocker());
        }
        return out;
    }

    private static List<ResurrectionPlan> trees(List<ProcessPlan> plans, Map<Integer, Long> ipcNs) {
        Map<Integer, ProcessPlan> live = new LinkedHashMap<>();
        for (ProcessPlan p : plans) {
            if (p.resurrect()) {
                live.put(p.pid(), p);
            }
        }
        Map<Integer, List<ProcessPlan>> children = new HashMap<>();
        for (ProcessPlan p : live.values()) {
            children.computeIfAbsent(p.model().ppid(), k -> new ArrayList<>()).add(p);
        }
        List<ResurrectionPlan> out = new ArrayList<>();
        for (ProcessPlan root : live.values()) {
            int ppid = root.model().ppid();
            if (live.containsKey(ppid) && ppid != root.pid() && sameIpcNs(ipcNs, ppid, root.pid())) {
                continue;
            }
            List<ProcessPlan> members = new ArrayList<>();
            Deque<ProcessPlan> todo = new ArrayDeque<>(List.of(root));
            Set<Integer> seen = new HashSet<>();
            while (!todo.isEmpty() && members.size() < live.size()) {
                ProcessPlan p = todo.removeFirst();
                if (!seen.add(p.pid())) {
                    continue;
                }
                members.add(p);
                for (ProcessPlan c : children.getOrDefault(p.pid(), List.of())) {
                    if (c.pid() != p.pid() && sameIpcNs(ipcNs, p.pid(), c.pid())) {
                        todo.addLast(c);
                    }
                }
            }
            Set<Integer> pids = new HashSet<>(seen);
            boolean shellJob = members.stream().anyMatch(m -> !pids.contains(m.model().sid())
                    || !pids.contains(m.model().pgid()));
            out.add(new ResurrectionPlan(root.pid(), ppid, members, shellJob));
        }
        return out;
    }

    private static boolean sameIpcNs(Map<Integer, Long> ipcNs, int a, int b) {
        return ipcNs.getOrDefault(a, 0L).equals(ipcNs.getOrDefault(b, 0L));
    }
}
