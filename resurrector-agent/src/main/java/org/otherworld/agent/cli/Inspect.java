package org.otherworld.agent.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.otherworld.agent.files.DirtyPages;
import org.otherworld.agent.files.FilesContext;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.json.Json;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.task.ProcessJson;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.ProcessReader;
import org.otherworld.agent.task.SigAction;
import org.otherworld.agent.task.SignalSet;
import org.otherworld.agent.task.ThreadModel;
import org.otherworld.agent.task.Vma;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code inspect <vmcore> ps|maps|threads|signals|files|dirty|model}: look at the processes of a dead
 * kernel without resurrecting anything. Every subcommand takes {@code --json}.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show the processes, memory maps, threads, signals and files in a vmcore.",
        subcommands = {Inspect.Ps.class, Inspect.Maps.class, Inspect.Threads.class, Inspect.Signals.class,
            Inspect.OpenFiles.class, Inspect.Dirty.class, Inspect.Model.class})
public final class Inspect implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VMCORE", description = "The vmcore (ELF kdump file or /proc/vmcore).")
    Path vmcore;

    @Option(names = "--profile", paramLabel = "DIR",
            description = "Directory with System.map and btf for kernels older than 6.0.")
    Path profile;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: ps, maps, threads, signals, files, dirty or model");
    }

    DeadKernel open() throws Exception {
        if (!Files.isReadable(vmcore)) {
            throw new IllegalArgumentException("cannot read vmcore " + vmcore);
        }
        return DeadKernel.open(vmcore, profile);
    }

    /** Common part of the per-process subcommands. */
    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        Inspect parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        void printJson(Object o) {
            out().print(Json.write(o));
            out().flush();
        }

        /** Reads process {@code pid} with {@code opts}. */
        ProcessModel process(DeadKernel k, int pid, ProcessReader.Options opts) {
            ProcessReader r = new ProcessReader(k);
            KObject leader = r.find(pid).orElseThrow(() -> new IllegalArgumentException(
                    "no user process with pid " + pid + " in " + parent.vmcore));
            return r.read(leader, opts);
        }

        static Map<String, Object> ordered(Object... kv) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < kv.length; i += 2) {
                m.put((String) kv[i], kv[i + 1]);
            }
            return m;
        }

        void errors(ProcessModel p) {
            if (!p.errors().isEmpty()) {
                out().println("errors: " + p.error());
            }
        }
    }

    /** The user processes. */
    @Command(name = "ps", description = "List user processes.")
    static final class Ps extends Sub {
        @Override
        public Integer call() throws Exception {
            try (DeadKernel k = parent.open()) {
                ProcessReader r = new ProcessReader(k);
                List<ProcessModel> ps = r.readAll(ProcessReader.Options.summary());
                if (json) {
                    List<Object> list = new ArrayList<>();
                    for (ProcessModel p : ps) {
                        Map<String, Object> m = ProcessJson.identity(p);
                        m.put("threads", (long) p.threads().size());
                        m.put("vmas", (long) p.vmas().size());
                        m.put("exe", p.mm() == null ? null : p.mm().exe());
                        if (!p.errors().isEmpty()) {
                            m.put("error", p.error());
                        }
                        list.add(m);
                    }
                    printJson(ordered("kernel", k.release(), "processes", list));
                    return 0;
                }
                out().printf("%7s %7s %7s %7s %s %8s %4s %5s  %s%n", "PID", "PPID", "PGID", "SID", "S", "START",
                        "THR", "VMAS", "COMMAND");
                for (ProcessModel p : ps) {
                    out().printf("%7d %7d %7d %7d %s %8d %4d %5d  %s%s%n", p.pid(), p.ppid(), p.pgid(), p.sid(),
                            p.state(), p.startTimeTicks(), p.threads().size(), p.vmas().size(), p.comm(),
                            p.errors().isEmpty() ? "" : "  [error: " + p.error() + "]");
                }
                out().flush();
                return 0;
            }
        }
    }

    /** The memory map of one process, like /proc/PID/maps. */
    @Command(name = "maps", description = "Show the VMAs of a process like /proc/PID/maps.")
    static final class Maps extends Sub {
        @Parameters(index = "0", paramLabel = "PID")
        int pid;
        @Option(names = "--pages", description = "Also hash the resident pages (JSON only).")
        boolean pages;

        @Override
        public Integer call() throws Exception {
            try (DeadKernel k = parent.open()) {
                ProcessModel p = process(k, pid, new ProcessReader.Options(pages, false, false, false));
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("pid", (long) p.pid());
                    m.put("vmas", ProcessJson.vmas(p.vmas()));
                    if (pages) {
                        m.put("pages", ProcessJson.pages(p.pages()));
                    }
                    if (!p.errors().isEmpty()) {
                        m.put("error", p.error());
                    }
                    printJson(m);
                    return 0;
                }
                for (Vma v : p.vmas()) {
                    String head = String.format("%08x-%08x %s %08x %s %d", v.start(), v.end(), v.perms(), v.offset(),
                            v.devString(), v.inode());
                    out().println(v.label().isEmpty() ? head : String.format("%-72s %s", head, v.label()));
                }
                errors(p);
                out().flush();
                return 0;
            }
        }
    }

    /** Threads with registers. */
    @Command(name = "threads", description = "Show the threads of a process with their user registers.")
    static final class Threads extends Sub {
        @Parameters(index = "0", paramLabel = "PID")
        int pid;

        @Override
        public Integer call() throws Exception {
            try (DeadKernel k = parent.open()) {
                ProcessModel p = process(k, pid, new ProcessReader.Options(false, true, true, false));
                if (json) {
                    printJson(ordered("pid", (long) p.pid(), "threads", ProcessJson.threadDetails(p.threads())));
                    return 0;
                }
                for (ThreadModel t : p.threads()) {
                    out().printf("tid %d (%s) state %s cpu %d%s syscall: %s%n", t.tid(), t.comm(), t.state(), t.cpu(),
                            t.runningAtCrash() ? " RUNNING AT CRASH" : "", t.syscall());
                    if (t.regs() != null) {
                        StringBuilder sb = new StringBuilder();
                        int i = 0;
                        for (Map.Entry<String, Long> e : t.regs().values().entrySet()) {
                            sb.append(String.format("  %-7s %016x", e.getKey(), e.getValue()));
                            if (++i % 4 == 0) {
                                sb.append('\n');
                            }
                        }
                        out().println(sb.toString().stripTrailing());
                    }
                    out().printf("  fs_base %016x gs_base %016x%n", t.fsBase(), t.gsBase());
                    if (t.fpu() != null) {
                        out().printf("  fpu: %d bytes, xfeatures %x, xstate_bv %x, xcomp_bv %x%s%n", t.fpu().size(),
                                t.fpu().xfeatures(), t.fpu().header().xstateBv(), t.fpu().header().xcompBv(),
                                t.fpu().approximate() ? " (approximate: live in the CPU at the crash)"
                                        : " (" + t.fpu().provenance().json() + ")");
                    }
                    if (!t.errors().isEmpty()) {
                        out().println("  errors: " + String.join("; ", t.errors()));
                    }
                }
                errors(p);
                out().flush();
                return 0;
            }
        }
    }

    /** Signal state. */
    @Command(name = "signals", description = "Show signal dispositions, masks and pending signals of a process.")
    static final class Signals extends Sub {
        @Parameters(index = "0", paramLabel = "PID")
        int pid;

        @Override
        public Integer call() throws Exception {
            try (DeadKernel k = parent.open()) {
                ProcessModel p = process(k, pid, new ProcessReader.Options(false, true, false, false));
                if (json) {
                    Map<String, Object> m = ProcessJson.signals(p);
                    List<Object> ts = new ArrayList<>();
                    for (ThreadModel t : p.threads()) {
                        ts.add(ordered("tid", (long) t.tid(), "blocked", "0x" + Long.toHexString(t.blocked()),
                                "pending", "0x" + Long.toHexString(t.pending()), "queued", (long) t.queued().size()));
                    }
                    m.put("pid", (long) p.pid());
                    m.put("threads", ts);
                    printJson(m);
                    return 0;
                }
                out().println("shared pending: " + SignalSet.signals(p.sharedPending()) + " (" + p.sharedQueued().size()
                        + " queued)");
                for (ThreadModel t : p.threads()) {
                    out().printf("tid %d: blocked %s pending %s sigaltstack %x+%x%n", t.tid(),
                            SignalSet.signals(t.blocked()), SignalSet.signals(t.pending()), t.sasSsSp(), t.sasSsSize());
                }
                for (SigAction a : p.actions()) {
                    if (!a.isDefault()) {
                        out().printf("sig %2d: handler %s flags %x restorer %x mask %s%n", a.signo(),
                                a.handler() == SigAction.SIG_IGN ? "SIG_IGN" : a.handler() == SigAction.SIG_DFL
                                        ? "SIG_DFL" : String.format("%x", a.handler()),
                                a.flags(), a.restorer(), SignalSet.signals(a.mask()));
                    }
                }
                errors(p);
                out().flush();
                return 0;
            }
        }
    }

    /** Open files. */
    @Command(name = "files", description = "Show the open files of a process like /proc/PID/fd and fdinfo.")
    static final class OpenFiles extends Sub {
        @Parameters(index = "0", paramLabel = "PID")
        int pid;

        @Override
        public Integer call() throws Exception {
            try (DeadKernel k = parent.open()) {
                ProcessModel p = process(k, pid, new ProcessReader.Options(false, false, false, true));
                List<OpenFile> files = p.files() == null ? List.of() : p.files();
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("pid", (long) p.pid());
                    m.put("fds", ProcessJson.fds(files));
                    if (!p.errors().isEmpty()) {
                        m.put("error", p.error());
                    }
                    printJson(m);
                    return 0;
                }
                for (OpenFile f : files) {
                    out().printf("%4d %-10s pos %-10d flags %-9s %s%n", f.fd(), f.kind(), f.pos(), f.procFlagsOctal(),
                            f.path());
                }
                errors(p);
                out().flush();
                return 0;
            }
        }
    }

    /** Dirty page cache. */
    @Command(name = "dirty", description = "List files with dirty page-cache pages (data not yet written back), and"
            + " ext4 files changed in a journal transaction that had not committed.")
    static final class Dirty extends Sub {
        @Override
        public Integer call() throws Exception {
            try (DeadKernel k = parent.open()) {
                DirtyPages.Result r = new DirtyPages(FilesContext.of(k)).scan();
                if (json) {
                    List<Object> list = new ArrayList<>();
                    for (DirtyPages.DirtyFile f : r.files()) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("path", f.path());
                        m.put("fs", f.fsType());
                        m.put("persistent", f.persistent());
                        m.put("ino", f.ino());
                        m.put("size", f.size());
                        m.put("dirty_pages", (long) f.pages().size());
                        m.put("journal_pending", f.journalPending());
                        list.add(m);
                    }
                    printJson(ordered("files", list, "journals_committed", r.journals(), "errors", r.errors()));
                    return 0;
                }
                for (DirtyPages.DirtyFile f : r.files()) {
                    out().printf("%-8s %-10s %5d pages  size %-10d %s%s%n", f.fsType(), f.persistent() ? "persistent"
                            : "memory", f.pages().size(), f.size(), f.path(),
                            f.journalPending() ? "  (in an uncommitted journal transaction)" : "");
                }
                for (String e : r.errors()) {
                    out().println("error: " + e);
                }
                out().flush();
                return 0;
            }
        }
    }

    /** The full model, or the ground-truth shape. */
    @Command(name = "model", description = "Extract the full process model of all processes (with page hashes).")
    static final class Model extends Sub {
        @Option(names = "--ground-truth", description = "Print in the live ground-truth format (groundtruth.json).")
        boolean groundTruth;

        @Override
        public Integer call() throws Exception {
            try (DeadKernel k = parent.open()) {
                List<ProcessModel> ps = new ProcessReader(k).readAll(ProcessReader.Options.all());
                if (groundTruth) {
                    printJson(ProcessJson.groundTruth(k.release(), ps));
                } else {
                    List<Object> list = new ArrayList<>();
                    for (ProcessModel p : ps) {
                        list.add(ProcessJson.detail(p));
                    }
                    printJson(ordered("kernel", k.release(), "processes", list));
                }
                return 0;
            }
        }
    }
}
