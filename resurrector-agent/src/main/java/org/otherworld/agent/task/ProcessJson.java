package org.otherworld.agent.task;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.otherworld.agent.files.OpenFile;

/**
 * Renders {@link ProcessModel}s as JSON-ready maps: {@link #groundTruth} in exactly the shape of the
 * live ground truth ({@code org.otherworld.agent.live.LiveSnapshot}: pid, ppid, pgid, sid, comm,
 * state, start_time, threads, vmas, fds, pages) so the two can be compared field by field, and
 * {@link #detail} with everything the model holds.
 */
public final class ProcessJson {
    private ProcessJson() {
    }

    /** The whole document: {"source": "vmcore", "kernel": release, "processes": [...]}. */
    public static Map<String, Object> groundTruth(String release, List<ProcessModel> processes) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("source", "vmcore");
        root.put("kernel", release);
        List<Object> ps = new ArrayList<>();
        for (ProcessModel p : processes) {
            ps.add(groundTruth(p));
        }
        root.put("processes", ps);
        return root;
    }

    /** The identity of a process as /proc/PID/stat gives it: ids, comm, state, start time in ticks. */
    public static Map<String, Object> identity(ProcessModel p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", (long) p.pid());
        m.put("ppid", (long) p.ppid());
        m.put("pgid", (long) p.pgid());
        m.put("sid", (long) p.sid());
        m.put("comm", p.comm());
        m.put("state", String.valueOf(p.state()));
        m.put("start_time", p.startTimeTicks());
        return m;
    }

    /** One process in the ground-truth shape (plus "error" when parts could not be read). */
    public static Map<String, Object> groundTruth(ProcessModel p) {
        Map<String, Object> m = identity(p);
        List<Object> threads = new ArrayList<>();
        for (ThreadModel t : p.threads()) {
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("tid", (long) t.tid());
            tm.put("comm", t.comm());
            tm.put("syscall", t.syscall() == null ? "?" : t.syscall());
            threads.add(tm);
        }
        m.put("threads", threads);
        m.put("vmas", vmas(p.vmas()));
        m.put("fds", fds(p.files()));
        m.put("pages", pages(p.pages()));
        if (!p.errors().isEmpty()) {
            m.put("error", p.error());
        }
        return m;
    }

    /** VMAs as /proc/PID/maps describes them, numbers as minimal "0x" hex like the ground truth. */
    public static List<Object> vmas(List<Vma> vmas) {
        List<Object> out = new ArrayList<>();
        for (Vma v : vmas) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("start", hex(v.start()));
            m.put("end", hex(v.end()));
            m.put("perms", v.perms());
            m.put("offset", hex(v.offset()));
            m.put("dev", v.devString());
            m.put("inode", v.inode());
            m.put("path", v.label());
            out.add(m);
        }
        return out;
    }

    public static List<Object> fds(List<OpenFile> files) {
        List<Object> out = new ArrayList<>();
        if (files == null) {
            return out;
        }
        for (OpenFile f : files) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fd", (long) f.fd());
            m.put("path", f.path());
            m.put("pos", f.pos());
            m.put("flags", f.procFlagsOctal());
            out.add(m);
        }
        return out;
    }

    public static List<Object> pages(List<PageRun> runs) {
        List<Object> out = new ArrayList<>();
        for (PageRun r : runs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("start", "0x" + Long.toHexString(r.start()));
            m.put("end", "0x" + Long.toHexString(r.end()));
            m.put("sha256", r.sha256());
            if (r.error() != null) {
                m.put("error", r.error());
            }
            out.add(m);
        }
        return out;
    }

    /** Everything the model holds (for `inspect ... --json`). */
    public static Map<String, Object> detail(ProcessModel p) {
        Map<String, Object> m = groundTruth(p);
        m.put("task", hex(p.task()));
        m.put("flags", hex(p.flags()));
        m.put("start_boottime_ns", p.startBoottimeNs());
        m.put("start_time_ns", p.startTimeNs());
        m.put("personality", hex(p.personality()));
        m.put("umask", p.umask() < 0 ? null : String.format("%04o", p.umask()));
        m.put("cwd", p.cwd());
        m.put("root", p.root());
        if (p.cred() != null) {
            m.put("cred", cred(p.cred()));
        }
        List<Object> rl = new ArrayList<>();
        for (Rlimit r : p.rlimits()) {
            rl.add(map("resource", r.name(), "cur", r.cur(), "max", r.max()));
        }
        m.put("rlimits", rl);
        if (p.mm() != null) {
            m.put("mm", mm(p.mm()));
        }
        m.put("threads", threadDetails(p.threads()));
        m.put("signals", signals(p));
        return m;
    }

    static Map<String, Object> cred(Credentials c) {
        return map("uid", c.uid(), "gid", c.gid(), "suid", c.suid(), "sgid", c.sgid(), "euid", c.euid(),
                "egid", c.egid(), "fsuid", c.fsuid(), "fsgid", c.fsgid(), "securebits", c.securebits(),
                "cap_inheritable", hex(c.capInheritable()), "cap_permitted", hex(c.capPermitted()),
                "cap_effective", hex(c.capEffective()), "cap_bset", hex(c.capBset()),
                "cap_ambient", hex(c.capAmbient()));
    }

    static Map<String, Object> mm(MmInfo mm) {
        List<Object> auxv = new ArrayList<>();
        for (long a : mm.savedAuxv()) {
            auxv.add(hex(a));
        }
        return map("address", hex(mm.address()), "pgd", hex(mm.pgd()), "start_code", hex(mm.startCode()),
                "end_code", hex(mm.endCode()), "start_data", hex(mm.startData()), "end_data", hex(mm.endData()),
                "start_brk", hex(mm.startBrk()), "brk", hex(mm.brk()), "start_stack", hex(mm.startStack()),
                "arg_start", hex(mm.argStart()), "arg_end", hex(mm.argEnd()), "env_start", hex(mm.envStart()),
                "env_end", hex(mm.envEnd()), "mmap_base", hex(mm.mmapBase()), "flags", hex(mm.flags()),
                "vdso", hex(mm.vdso()), "exe", mm.exe(), "saved_auxv", auxv);
    }

    /** Per-thread registers, FPU ("fpu": its provenance, "fpstate": the area) and signal state. */
    public static List<Object> threadDetails(List<ThreadModel> threads) {
        List<Object> out = new ArrayList<>();
        for (ThreadModel t : threads) {
            Map<String, Object> m = map("tid", (long) t.tid(), "comm", t.comm(), "state", String.valueOf(t.state()),
                    "task", hex(t.task()), "flags", hex(t.flags()), "tif_flags", hex(t.tifFlags()),
                    "on_cpu", t.onCpu(), "cpu", (long) t.cpu(), "crash_cpu", (long) t.crashCpu(),
                    "syscall", t.syscall());
            if (t.regs() != null) {
                Map<String, Object> r = new LinkedHashMap<>();
                t.regs().values().forEach((k, v) -> r.put(k, hex(v)));
                r.put("fs_base", hex(t.fsBase()));
                r.put("gs_base", hex(t.gsBase()));
                m.put("regs", r);
            }
            m.put("fpu", t.fpu() == null ? null : t.fpu().provenance().json());
            if (t.fpu() != null) {
                FpuState f = t.fpu();
                m.put("fpstate", map("fpstate", hex(f.fpstate()), "size", (long) f.size(), "user_size", (long) f.userSize(),
                        "xfeatures", hex(f.xfeatures()), "user_xfeatures", hex(f.userXfeatures()),
                        "xstate_bv", hex(f.header().xstateBv()), "xcomp_bv", hex(f.header().xcompBv()),
                        "compacted", f.header().compacted(), "approximate", f.approximate(),
                        "sha256", sha256(f.xsave())));
            }
            m.put("blocked", hex(t.blocked()));
            m.put("pending", hex(t.pending()));
            m.put("queued", queued(t.queued()));
            m.put("sigaltstack", map("sp", hex(t.sasSsSp()), "size", t.sasSsSize(), "flags", (long) t.sasSsFlags()));
            m.put("rseq", map("address", hex(t.rseq()), "len", (long) t.rseqLen(), "sig", hex(t.rseqSig() & 0xffffffffL)));
            m.put("clear_child_tid", hex(t.clearChildTid()));
            m.put("set_child_tid", hex(t.setChildTid()));
            if (!t.errors().isEmpty()) {
                m.put("error", String.join("; ", t.errors()));
            }
            out.add(m);
        }
        return out;
    }

    /** Process-wide signal state: shared pending and non-default dispositions. */
    public static Map<String, Object> signals(ProcessModel p) {
        List<Object> actions = new ArrayList<>();
        for (SigAction a : p.actions()) {
            if (!a.isDefault()) {
                actions.add(map("signo", (long) a.signo(), "handler", hex(a.handler()), "flags", hex(a.flags()),
                        "restorer", hex(a.restorer()), "mask", hex(a.mask())));
            }
        }
        return map("shared_pending", hex(p.sharedPending()), "shared_queued", queued(p.sharedQueued()),
                "actions", actions);
    }

    static List<Object> queued(List<QueuedSignal> qs) {
        List<Object> out = new ArrayList<>();
        for (QueuedSignal q : qs) {
            out.add(map("signo", (long) q.signo(), "errno", (long) q.errno(), "code", (long) q.code(),
                    "info", HexFormat.of().formatHex(q.info())));
        }
        return out;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
