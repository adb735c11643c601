package org.otherworld.agent.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import org.otherworld.agent.images.CredsImage;
import org.otherworld.agent.images.FdImage;
import org.otherworld.agent.images.FileImage;
import org.otherworld.agent.images.FsImage;
import org.otherworld.agent.images.ImageWriter;
import org.otherworld.agent.images.MmImage;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.images.ProcessImage;
import org.otherworld.agent.images.RlimitImage;
import org.otherworld.agent.images.RseqImage;
import org.otherworld.agent.images.SigActionImage;
import org.otherworld.agent.images.SigAltStack;
import org.otherworld.agent.images.SyscallRestart;
import org.otherworld.agent.images.SysvShmAttach;
import org.otherworld.agent.images.ThreadImage;
import org.otherworld.agent.images.VmaImage;
import org.otherworld.agent.images.VmaStatus;
import org.otherworld.agent.images.X86Regs;
import org.otherworld.agent.task.Credentials;
import org.otherworld.agent.task.MmInfo;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.PtRegs;
import org.otherworld.agent.task.QueuedSignal;
import org.otherworld.agent.task.Rlimit;
import org.otherworld.agent.task.SigAction;
import org.otherworld.agent.task.ThreadModel;
import org.otherworld.agent.task.Vma;
import org.otherworld.agent.task.VmaFlags;

/**
 * Maps a planned process (the process model of package task plus the plan's decisions) to the plain
 * image records of package images: threads with their registers (system call rule applied by the
 * writer), FPU area, signal state, rseq; the address space; the restored descriptors; fs, creds, rlimits.
 */
public final class ImageMapper {
    /** RLIMIT_NLIMITS on Linux. */
    public static final int RLIMITS = 16;
    /** madvise advice numbers (include/uapi/asm-generic/mman-common.h); CRIU stores 1 &lt;&lt; advice. */
    static final int MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_DONTFORK = 10, MADV_MERGEABLE = 12,
            MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16, MADV_WIPEONFORK = 18;

    private final LongUnaryOperator robustList;
    private final Map<Integer, Long> liveFsBase;

    /**
     * @param robustList task_struct address -&gt; its robust_list head (0 if none or unknown)
     * @param liveFsBase thread id -&gt; FS base from the crash notes, for threads that were on a CPU (the
     *                   value saved in the task is stale for them)
     */
    public ImageMapper(LongUnaryOperator robustList, Map<Integer, Long> liveFsBase) {
        this.robustList = robustList == null ? t -> 0 : robustList;
        this.liveFsBase = Map.copyOf(liveFsBase);
    }

    /** A mapper with no extra kernel data (tests). */
    public static ImageMapper simple() {
        return new ImageMapper(t -> 0, Map.of());
    }

    /** The VMAs of {@code p} as image records (ascending). */
    public List<VmaImage> vmas(ProcessModel p) {
        List<VmaImage> out = new ArrayList<>();
        for (Vma v : p.vmas()) {
            out.add(vma(v));
        }
        return out;
    }

    /**
     * The image of a planned process.
     *
     * @param plan   the process's plan (must be resurrected)
     * @param isRoot whether it is its tree's root (its parent is outside the image set)
     * @param vmas   its VMAs as from {@link #vmas}
     * @param pages  its private pages
     */
    public ProcessImage map(ProcessPlan plan, boolean isRoot, List<VmaImage> vmas, PageSource pages) {
        ProcessModel p = plan.model();
        List<ThreadImage> threads = new ArrayList<>();
        List<ThreadModel> ordered = new ArrayList<>(p.threads());
        ordered.sort((a, b) -> a.tid() == p.pid() ? -1 : b.tid() == p.pid() ? 1 : Integer.compare(a.tid(), b.tid()));
        for (ThreadModel t : ordered) {
            SyscallRule.Decision d = plan.syscalls().get(t.tid());
            threads.add(thread(t, d == null ? SyscallRestart.NONE : d.action(), d == null ? 0 : d.result()));
        }
        MmInfo mm = p.mm();
        MmImage mmImage = new MmImage(mm.startCode(), mm.endCode(), mm.startData(), mm.endData(), mm.startStack(),
                mm.startBrk(), mm.brk(), mm.argStart(), mm.argEnd(), mm.envStart(), mm.envEnd(), auxv(mm.savedAuxv()),
                mm.exe(), vmas, 1);
        List<FdImage> fds = new ArrayList<>();
        Map<Long, FileImage> byStructFile = new HashMap<>();
        for (ResourceClassifier.FdDecision d : plan.fds()) {
            if (!d.restored()) {
                continue;
            }
            var f = d.file();
            FileImage fi = byStructFile.computeIfAbsent(f.file(), k -> d.image());
            fds.add(new FdImage(f.fd(), f.closeOnExec(), fi));
        }
        List<SigActionImage> actions = new ArrayList<>();
        Map<Integer, SigAction> bySig = new HashMap<>();
        for (SigAction a : p.actions()) {
            bySig.put(a.signo(), a);
        }
        for (int s = 1; s <= ProcessImage.NSIG; s++) {
            SigAction a = bySig.get(s);
            actions.add(a == null ? SigActionImage.DEFAULT : new SigActionImage(a.handler(), a.flags(), a.restorer(),
                    a.mask()));
        }
        List<RlimitImage> rlimits = new ArrayList<>();
        Map<Integer, Rlimit> byRes = new HashMap<>();
        for (Rlimit r : p.rlimits()) {
            byRes.put(r.resource(), r);
        }
        for (int i = 0; i < RLIMITS; i++) {
            Rlimit r = byRes.get(i);
            rlimits.add(r == null ? new RlimitImage(-1, -1) : new RlimitImage(r.cur(), r.max()));
        }
        String cwd = p.cwd() == null ? "/" : p.cwd();
        String root = p.root() == null ? "/" : p.root();
        return new ProcessImage(p.pid(), isRoot ? 0 : p.ppid(), p.pgid(), p.sid(), p.comm(), (int) p.flags(),
                (int) p.personality(), threads, mmImage, pages, fds, new FsImage(cwd, root, Math.max(0, p.umask())),
                actions, creds(p.cred()), rlimits, siginfos(p.sharedQueued()));
    }

    /**
     * The auxiliary vector as /proc/PID/auxv shows it: the (type, value) pairs up to and including the
     * AT_NULL pair. mm->saved_auxv is a fixed array with zeros after AT_NULL, and criu restore rejects a
     * vector longer than its AT_VECTOR_SIZE ("Image corrupted").
     */
    static long[] auxv(long[] saved) {
        if (saved == null) {
            return new long[0];
        }
        for (int i = 0; i + 1 < saved.length; i += 2) {
            if (saved[i] == 0) {
                return java.util.Arrays.copyOf(saved, i + 2);
            }
        }
        return saved.clone();
    }

    private ThreadImage thread(ThreadModel t, SyscallRestart restart, long syscallResult) {
        PtRegs r = t.regs();
        long fsBase = liveFsBase.getOrDefault(t.tid(), t.fsBase());
        X86Regs regs = new X86Regs(r.get("r15"), r.get("r14"), r.get("r13"), r.get("r12"), r.get("bp"), r.get("bx"),
                r.get("r11"), r.get("r10"), r.get("r9"), r.get("r8"), r.get("ax"), r.get("cx"), r.get("dx"),
                r.get("si"), r.get("di"), r.get("orig_ax"), r.get("ip"), r.get("cs"), r.get("flags"), r.get("sp"),
                r.get("ss"), fsBase, t.gsBase(), 0, 0, t.fsIndex(), t.gsIndex());
        SigAltStack sas = t.sasSsSize() == 0 ? new SigAltStack(0, 0, SigAltStack.SS_DISABLE)
                : new SigAltStack(t.sasSsSp(), t.sasSsSize(), t.sasSsFlags());
        RseqImage rseq = t.rseq() == 0 ? null : new RseqImage(t.rseq(), t.rseqLen(), t.rseqSig(), 0);
        return new ThreadImage(t.tid(), t.comm(), regs, restart, t.fpu() == null ? null : t.fpu().xsave(), t.blocked(),
                sas, t.clearChildTid(), robustList.applyAsLong(t.task()), rseq, siginfos(t.queued()), syscallResult);
    }

    private static List<byte[]> siginfos(List<QueuedSignal> queued) {
        List<byte[]> out = new ArrayList<>();
        if (queued == null) {
            return out;
        }
        for (QueuedSignal q : queued) {
            byte[] b = new byte[ImageWriter.SIGINFO_SIZE];
            System.arraycopy(q.info(), 0, b, 0, Math.min(q.info().length, b.length));
            out.add(b);
        }
        return out;
    }

    private static CredsImage creds(Credentials c) {
        return new CredsImage((int) c.uid(), (int) c.gid(), (int) c.euid(), (int) c.egid(), (int) c.suid(),
                (int) c.sgid(), (int) c.fsuid(), (int) c.fsgid(), c.capInheritable(), c.capPermitted(),
                c.capEffective(), c.capBset(), (int) c.securebits(), new int[0]);
    }

    /**
     * One VMA as an image record: protection, MAP_* flags, CRIU status and madvise bits. A SysV shm attach
     * becomes what criu dump writes for it: MAP_SHARED | MAP_ANONYMOUS, VMA_ANON_SHARED |
     * VMA_AREA_SYSVIPC, shmid = the segment id (the inode number of the shm file, set by newseg()),
     * writable when the attach file allowed writing (VM_MAYWRITE). Shared anonymous memory becomes
     * MAP_SHARED | MAP_ANONYMOUS, VMA_ANON_SHARED, shmid = its shmem inode number (the key of its
     * pagemap-shmem image), offset vm_pgoff &lt;&lt; 12.
     */
    public static VmaImage vma(Vma v) {
        long f = v.flags();
        int prot = ((f & VmaFlags.VM_READ) != 0 ? VmaStatus.PROT_READ : 0)
                | ((f & VmaFlags.VM_WRITE) != 0 ? VmaStatus.PROT_WRITE : 0)
                | ((f & VmaFlags.VM_EXEC) != 0 ? VmaStatus.PROT_EXEC : 0);
        boolean shared = (f & VmaFlags.VM_MAYSHARE) != 0;
        // MAP_NORESERVE as criu dump writes it (proc_parse.c, VmFlags "nr"): criu premaps a private VMA that
        // a child shares copy-on-write (same range in parent and child, e.g. two JVMs) writable; without
        // it a JVM's 1 GiB PROT_NONE class-space reservation is charged as commit and the mmap fails with
        // ENOMEM in a 1 GiB guest ("Unable to map ANON_VMA", measured in a kvstore-noproc trial)
        int flags = (shared ? VmaStatus.MAP_SHARED : VmaStatus.MAP_PRIVATE)
                | ((f & VmaFlags.VM_GROWSDOWN) != 0 ? VmaStatus.MAP_GROWSDOWN : 0)
                | ((f & VmaFlags.VM_NORESERVE) != 0 ? VmaStatus.MAP_NORESERVE : 0);
        String name = v.name() == null ? "" : v.name();
        int status;
        String path = null;
        SysvShmAttach sysv = null;
        long shmid = 0;
        if (ResourceClassifier.isSharedAnon(v)) {
            // shared anonymous memory (a shmem inode "/dev/zero"): criu's VMA_ANON_SHARED with the object's key,
            // its contents in pagemap-shmem-KEY.img (written by the resurrector from the inode's page cache)
            flags |= VmaStatus.MAP_ANONYMOUS;
            status = VmaStatus.AREA_REGULAR | VmaStatus.ANON_SHARED;
            shmid = v.inode();
        } else if (ResourceClassifier.isSysvShm(v)) {
            flags |= VmaStatus.MAP_ANONYMOUS;
            status = VmaStatus.AREA_REGULAR | VmaStatus.ANON_SHARED | VmaStatus.AREA_SYSVIPC;
            sysv = new SysvShmAttach((int) v.inode(), (f & VmaFlags.VM_MAYWRITE) != 0);
        } else if ("[vsyscall]".equals(name)) {
            status = VmaStatus.AREA_VSYSCALL;
            flags |= VmaStatus.MAP_ANONYMOUS;
        } else if (v.isFile()) {
            status = VmaStatus.AREA_REGULAR | (shared ? VmaStatus.FILE_SHARED : VmaStatus.FILE_PRIVATE);
            path = v.path();
        } else {
            flags |= VmaStatus.MAP_ANONYMOUS;
            status = VmaStatus.AREA_REGULAR | (shared ? VmaStatus.ANON_SHARED : VmaStatus.ANON_PRIVATE);
            switch (name) {
                case "[heap]" -> status |= VmaStatus.AREA_HEAP;
                case "[stack]" -> status |= VmaStatus.AREA_STACK;
                case "[vdso]" -> status |= VmaStatus.AREA_VDSO;
                case "[vvar]" -> status |= VmaStatus.AREA_VVAR;
                default -> { }
            }
        }
        long madv = 0;
        madv |= (f & VmaFlags.VM_RAND_READ) != 0 ? 1L << MADV_RANDOM : 0;
        madv |= (f & VmaFlags.VM_SEQ_READ) != 0 ? 1L << MADV_SEQUENTIAL : 0;
        madv |= (f & VmaFlags.VM_DONTCOPY) != 0 ? 1L << MADV_DONTFORK : 0;
        madv |= (f & VmaFlags.VM_MERGEABLE) != 0 ? 1L << MADV_MERGEABLE : 0;
        madv |= (f & VmaFlags.VM_HUGEPAGE) != 0 ? 1L << MADV_HUGEPAGE : 0;
        madv |= (f & VmaFlags.VM_NOHUGEPAGE) != 0 ? 1L << MADV_NOHUGEPAGE : 0;
        madv |= (f & VmaFlags.VM_DONTDUMP) != 0 && !name.equals("[vdso]") && !name.equals("[vvar]")
                ? 1L << MADV_DONTDUMP : 0;
        madv |= (f & VmaFlags.VM_WIPEONFORK) != 0 ? 1L << MADV_WIPEONFORK : 0;
        return new VmaImage(v.start(), v.end(), v.offset(), prot, flags, status, path, madv, sysv, shmid);
    }
}
