package org.otherworld.agent.task;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.otherworld.agent.files.DPath;
import org.otherworld.agent.files.FdTable;
import org.otherworld.agent.files.FilesContext;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.ListWalk;
import org.otherworld.agent.mm.UserAddressSpace;
import org.otherworld.agent.vmcore.MemoryAccessException;

/**
 * Builds {@link ProcessModel}s from a {@link DeadKernel}: lists the user processes (thread-group
 * leaders on {@code init_task.tasks} without PF_KTHREAD), their threads ({@code signal->thread_head}
 * linked through {@code task_struct.thread_node}, falling back to {@code thread_group}), and reads each
 * process's ids, credentials, limits, memory map, resident pages, signal state and per-thread state.
 *
 * <p>Every walk is bounded. A failure while reading one part of a process is recorded in its
 * {@code errors} ("part: reason") and the rest is still read; a process whose task cannot be read at
 * all is still listed by pid with the error.
 */
public final class ProcessReader {
    /** PF_KTHREAD (include/linux/sched.h). */
    public static final long PF_KTHREAD = 0x00200000;
    /** Bound on the task list (PID_MAX_LIMIT is 4M; far more than any real system runs). */
    public static final int MAX_TASKS = 1 << 22;
    /** Bound on threads per process. */
    public static final int MAX_THREADS = 1 << 20;
    /** Bound on queued signals per list (RLIMIT_SIGPENDING is far lower in practice). */
    public static final int MAX_QUEUED = 1 << 16;
    /** _NSIG of x86-64. */
    public static final int NSIG = 64;

    /** What to read besides ids and the memory map. */
    public record Options(boolean pages, boolean threads, boolean fpu, boolean files) {
        /** Everything. */
        public static Options all() {
            return new Options(true, true, true, true);
        }

        /** Just what `ps` needs: ids and states. */
        public static Options summary() {
            return new Options(false, false, false, false);
        }
    }

    private final DeadKernel kernel;
    private final DPath dpath;
    private final VmaReader vmaReader;
    private final ThreadReader threadReader;
    private final PageHasher hasher;
    private final int pidtypePgid;
    private final int pidtypeSid;
    private final FdTable fdTable;

    public ProcessReader(DeadKernel kernel) {
        this.kernel = kernel;
        FilesContext ctx = FilesContext.of(kernel);
        this.fdTable = new FdTable(ctx);
        this.dpath = fdTable.inspector().dpath();
        this.vmaReader = new VmaReader(kernel, dpath);
        this.threadReader = new ThreadReader(kernel);
        this.hasher = new PageHasher(kernel.physicalMemory());
        this.pidtypePgid = (int) kernel.types().enumValue("pid_type", "PIDTYPE_PGID");
        this.pidtypeSid = (int) kernel.types().enumValue("pid_type", "PIDTYPE_SID");
    }

    /** The fd-table reader of the files package used for {@link ProcessModel#files()}. */
    public FdTable fdTable() {
        return fdTable;
    }

    public DeadKernel kernel() {
        return kernel;
    }

    public DPath dpath() {
        return dpath;
    }

    /** The result of listing processes: the leaders found and a walk error if the list was cut short. */
    public record Listing(List<KObject> leaders, String error) {
    }

    /** The thread-group leaders of all user processes, in task-list order. */
    public Listing processes() {
        KObject init = kernel.object("task_struct", kernel.symbol("init_task"));
        ListWalk w = kernel.lists().walk(init.addressOf("tasks"), "task_struct", "tasks", MAX_TASKS);
        List<KObject> out = new ArrayList<>();
        for (KObject t : w.entries()) {
            try {
                if ((t.read("flags") & PF_KTHREAD) == 0 && t.read("pid") != 0) {
                    out.add(t);
                }
            } catch (RuntimeException e) {
                out.add(t); // unreadable task: listed, its reading will record the error
            }
        }
        return new Listing(out, w.error());
    }

    /** The leader of process {@code pid}, if it is a user process. */
    public Optional<KObject> find(int pid) {
        for (KObject t : processes().leaders()) {
            try {
                if (t.read("tgid") == pid) {
                    return Optional.of(t);
                }
            } catch (RuntimeException e) {
                // skip unreadable
            }
        }
        return Optional.empty();
    }

    /** Reads every user process. */
    public List<ProcessModel> readAll(Options opts) {
        List<ProcessModel> out = new ArrayList<>();
        for (KObject t : processes().leaders()) {
            out.add(read(t, opts));
        }
        out.sort(Comparator.comparingInt(ProcessModel::pid));
        return out;
    }

    /** The threads of the process led by {@code leader} (leader included), by tid; error if cut short. */
    public ThreadList threads(KObject leader) {
        if (leader.type().hasMember("thread_node")) {
            KObject signal = leader.deref("signal");
            if (signal != null && signal.type().hasMember("thread_head")) {
                ListWalk w = kernel.lists().walk(signal.addressOf("thread_head"), "task_struct", "thread_node",
                        MAX_THREADS);
                List<KObject> ts = new ArrayList<>(w.entries());
                ts.sort(Comparator.comparingLong(t -> t.read("pid")));
                return new ThreadList(ts, w.error());
            }
        }
        ListWalk w = kernel.lists().walk(leader.addressOf("thread_group"), "task_struct", "thread_group", MAX_THREADS);
        List<KObject> ts = new ArrayList<>(w.entries());
        ts.add(leader);
        ts.sort(Comparator.comparingLong(t -> t.read("pid")));
        return new ThreadList(ts, w.error());
    }

    /** Threads of a process and the walk error, if any. */
    public record ThreadList(List<KObject> tasks, String error) {
    }

    /** Reads one process; never throws for bad data (errors are recorded in the model). */
    public ProcessModel read(KObject leader, Options opts) {
        Builder b = new Builder(leader);
        b.ids();
        b.part("cred", () -> b.cred = readCred(leader));
        b.part("rlimits", () -> b.rlimits = readRlimits(leader));
        b.part("fs", () -> b.fs(leader));
        List<KObject> threads = List.of(leader);
        try {
            ThreadList tl = threads(leader);
            threads = tl.tasks().isEmpty() ? List.of(leader) : tl.tasks();
            if (tl.error() != null) {
                b.errors.add("threads: " + tl.error());
            }
        } catch (RuntimeException e) {
            b.errors.add("threads: " + e.getMessage());
        }
        KObject mm = b.findMm(threads);
        if (mm != null) {
            b.part("mm", () -> b.mm = readMm(mm));
            b.part("vmas", () -> b.vmas = vmaReader.read(mm));
            if (opts.pages() && b.vmas != null) {
                b.part("pages", () -> {
                    UserAddressSpace space = kernel.userMemory(mm.pointer("pgd"));
                    b.pages = hasher.hash(space, b.vmas);
                });
            }
        }
        if (opts.threads()) {
            for (KObject t : threads) {
                b.threads.add(threadReader.read(t, opts.fpu()));
            }
        } else {
            for (KObject t : threads) {
                b.threads.add(threadReader.summary(t));
            }
        }
        b.part("signals", () -> b.signals(leader));
        if (opts.files()) {
            b.part("files", () -> {
                FdTable.Result r = fdTable.read(leader);
                b.files = r.files();
                for (String e : r.errors()) {
                    b.errors.add("files: " + e);
                }
            });
        }
        return b.build();
    }

    private Credentials readCred(KObject task) {
        KObject c = task.deref("cred");
        if (c == null) {
            return null;
        }
        return new Credentials(c.read("uid.val"), c.read("gid.val"), c.read("suid.val"), c.read("sgid.val"),
                c.read("euid.val"), c.read("egid.val"), c.read("fsuid.val"), c.read("fsgid.val"), c.read("securebits"),
                cap(c, "cap_inheritable"), cap(c, "cap_permitted"), cap(c, "cap_effective"), cap(c, "cap_bset"),
                cap(c, "cap_ambient"));
    }

    /** kernel_cap_t: {@code u32 cap[2]} up to 6.2, {@code u64 val} since 6.3. */
    private static long cap(KObject cred, String set) {
        if (cred.type().hasMember(set + ".val")) {
            return cred.read(set + ".val");
        }
        return cred.read(set + ".cap[0]") | cred.read(set + ".cap[1]") << 32;
    }

    private List<Rlimit> readRlimits(KObject task) {
        KObject signal = task.deref("signal");
        List<Rlimit> out = new ArrayList<>();
        if (signal == null) {
            return out;
        }
        long n = signal.m("rlim").arrayLength();
        for (int i = 0; i < n; i++) {
            KObject r = signal.element("rlim", i);
            out.add(new Rlimit(i, r.read("rlim_cur"), r.read("rlim_max")));
        }
        return out;
    }

    private MmInfo readMm(KObject mm) {
        long n = mm.m("saved_auxv").arrayLength();
        long[] auxv = new long[(int) n];
        for (int i = 0; i < n; i++) {
            auxv[i] = mm.elementValue("saved_auxv", i);
        }
        String exe = null;
        KObject exeFile = mm.deref("exe_file");
        if (exeFile != null) {
            exe = dpath.pathAt(exeFile.addressOf("f_path"));
        }
        return new MmInfo(mm.address(), mm.pointer("pgd"), mm.read("start_code"), mm.read("end_code"),
                mm.read("start_data"), mm.read("end_data"), mm.read("start_brk"), mm.read("brk"),
                mm.read("start_stack"), mm.read("arg_start"), mm.read("arg_end"), mm.read("env_start"),
                mm.read("env_end"), auxv, mm.read("mmap_base"), mm.read("flags"), mm.pointer("context.vdso"), exe);
    }

    /** The sigset_t at member {@code path} of {@code o} as a 64-bit mask. */
    static long sigset(KObject o, String path) {
        return o.read(path + ".sig[0]");
    }

    /** Collects one process's fields; each part is read under its own error guard. */
    private final class Builder {
        final KObject leader;
        final List<String> errors = new ArrayList<>();
        final List<ThreadModel> threads = new ArrayList<>();
        int pid = -1;
        int ppid = -1;
        int pgid = -1;
        int sid = -1;
        String comm = "?";
        char state = '?';
        long flags;
        long startBoottime;
        long startTime;
        Credentials cred;
        List<Rlimit> rlimits = List.of();
        long personality;
        int umask = -1;
        String cwd;
        String root;
        MmInfo mm;
        List<Vma> vmas = List.of();
        List<PageRun> pages = List.of();
        List<SigAction> actions = List.of();
        long sharedPending;
        List<QueuedSignal> sharedQueued = List.of();
        List<OpenFile> files;

        Builder(KObject leader) {
            this.leader = leader;
        }

        void part(String name, Runnable r) {
            try {
                r.run();
            } catch (RuntimeException e) {
                errors.add(name + ": " + e.getMessage());
            }
        }

        void ids() {
            part("task", () -> {
                pid = (int) leader.read("tgid");
                comm = leader.cString("comm");
                state = TaskStates.letter(leader.read("__state"), leader.read("exit_state"));
                flags = leader.read("flags");
                personality = leader.read("personality");
                startTime = leader.read("start_time");
                startBoottime = leader.read("start_boottime");
            });
            part("ppid", () -> {
                KObject parent = leader.deref("real_parent");
                ppid = parent == null ? 0 : (int) parent.read("tgid");
            });
            part("pgid/sid", () -> {
                KObject signal = leader.deref("signal");
                if (signal == null) {
                    throw new MemoryAccessException(leader.address(), "task_struct.signal is NULL");
                }
                pgid = pidNr(signal, pidtypePgid);
                sid = pidNr(signal, pidtypeSid);
            });
        }

        /** pid_nr(signal->pids[type]): the number in the initial pid namespace (level 0), 0 if none. */
        int pidNr(KObject signal, int type) {
            long pidPtr = signal.elementValue("pids", type);
            if (pidPtr == 0) {
                return 0;
            }
            return (int) kernel.object("pid", pidPtr).element("numbers", 0).read("nr");
        }

        void fs(KObject task) {
            KObject fs = task.deref("fs");
            if (fs == null) {
                return;
            }
            umask = (int) fs.read("umask");
            cwd = dpath.pathAt(fs.addressOf("pwd"));
            root = dpath.pathAt(fs.addressOf("root"));
        }

        KObject findMm(List<KObject> tasks) {
            for (KObject t : tasks) {
                try {
                    KObject m = t.deref("mm");
                    if (m != null) {
                        return m;
                    }
                } catch (RuntimeException e) {
                    errors.add("mm: " + e.getMessage());
                }
            }
            return null;
        }

        void signals(KObject task) {
            KObject signal = task.deref("signal");
            if (signal != null) {
                sharedPending = sigset(signal, "shared_pending.signal");
                sharedQueued = threadReader.queued(signal.addressOf("shared_pending"), errors, "shared_pending");
            }
            KObject sighand = task.deref("sighand");
            if (sighand != null) {
                List<SigAction> a = new ArrayList<>(NSIG);
                for (int i = 0; i < NSIG; i++) {
                    KObject sa = sighand.element("action", i).member("sa");
                    a.add(new SigAction(i + 1, sa.pointer("sa_handler"), sa.read("sa_flags"),
                            sa.pointer("sa_restorer"), sigset(sa, "sa_mask")));
                }
                actions = a;
            }
        }

        ProcessModel build() {
            long ticks = startBoottime / (1_000_000_000L / DeadKernel.USER_HZ);
            return new ProcessModel(leader.address(), pid, ppid, pgid, sid, comm, state, flags, startBoottime,
                    startTime, ticks, cred, rlimits, personality, umask, cwd, root, mm, List.copyOf(threads), vmas,
                    pages, actions, sharedPending, sharedQueued, files, List.copyOf(errors));
        }
    }
}
