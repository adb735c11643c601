package org.otherworld.agent.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.StructType;
import org.otherworld.agent.vmcore.CpuState;

/**
 * Reads one thread's state: ids, scheduler state, user registers from task_pt_regs(), FS/GS bases,
 * the saved FPU state, signal mask and pending signals, sigaltstack, rseq and the child-tid pointers.
 */
public final class ThreadReader {
    /** THREAD_SIZE of x86-64 without KASAN: PAGE_SIZE << 2 (arch/x86/include/asm/page_64_types.h). */
    public static final long THREAD_SIZE = 16 * 1024;
    /** THREAD_SIZE with KASAN (KASAN_STACK_ORDER 1). */
    public static final long THREAD_SIZE_KASAN = 32 * 1024;
    /** TIF_NEED_FPU_LOAD (arch/x86/include/asm/thread_info.h, v6.1): bit 14 of thread_info.flags. */
    public static final int TIF_NEED_FPU_LOAD = 14;
    /** Largest XSAVE buffer accepted (real ones are at most a few KiB; AMX adds 8 KiB). */
    public static final int MAX_XSAVE = 64 * 1024;
    /** sizeof(struct rseq) in 6.1, the only length sys_rseq accepts there. */
    static final int RSEQ_LEN_61 = 32;

    private final DeadKernel kernel;
    private final long threadSize;
    private final StructType ptRegs;
    private final boolean cpuInTask;
    private final boolean hasRseqLen;
    private final boolean hasVforkDone;

    public ThreadReader(DeadKernel kernel) {
        this.kernel = kernel;
        this.threadSize = kernel.symbols().contains("kasan_early_init") || kernel.symbols().contains("__asan_load8")
                ? THREAD_SIZE_KASAN : THREAD_SIZE;
        this.ptRegs = kernel.types().struct("pt_regs");
        StructType task = kernel.types().struct("task_struct");
        this.cpuInTask = task.hasMember("cpu");
        this.hasRseqLen = task.hasMember("rseq_len");
        this.hasVforkDone = task.hasMember("vfork_done");
    }

    /** THREAD_SIZE used to find pt_regs. */
    public long threadSize() {
        return threadSize;
    }

    /** Ids, comm and state only. */
    public ThreadModel summary(KObject t) {
        List<String> errors = new ArrayList<>();
        int tid = -1;
        String comm = "?";
        char state = '?';
        long raw = 0;
        try {
            tid = (int) t.read("pid");
            comm = t.cString("comm");
            raw = t.read("__state");
            state = TaskStates.letter(raw, t.read("exit_state"));
        } catch (RuntimeException e) {
            errors.add("task: " + e.getMessage());
        }
        return new ThreadModel(t.address(), tid, comm, state, raw, 0, 0, false, -1, -1, null, 0, 0, 0, 0, null, null,
                0, 0, List.of(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, errors);
    }

    /** Everything about the thread; parts that cannot be read are recorded in its errors. */
    public ThreadModel read(KObject t, boolean withFpu) {
        List<String> errors = new ArrayList<>();
        ThreadModel s = summary(t);
        errors.addAll(s.errors());
        long flags = 0;
        long tif = 0;
        boolean onCpu = false;
        int cpu = -1;
        try {
            flags = t.read("flags");
            tif = t.read("thread_info.flags");
            onCpu = t.read("on_cpu") != 0;
            cpu = (int) (cpuInTask ? t.read("cpu") : t.read("thread_info.cpu"));
        } catch (RuntimeException e) {
            errors.add("sched: " + e.getMessage());
        }
        int crashCpu = -1;
        for (CpuState c : kernel.cpus()) {
            if (c.pid() == s.tid() && s.tid() > 0) {
                crashCpu = c.cpu();
            }
        }
        boolean running = crashCpu >= 0 || onCpu;
        PtRegs regs = null;
        try {
            regs = ptRegs(t);
        } catch (RuntimeException e) {
            errors.add("pt_regs: " + e.getMessage());
        }
        String syscall = running || s.rawState() == TaskStates.TASK_RUNNING ? "running"
                : regs == null ? null : regs.procSyscall();
        long fsBase = 0;
        long gsBase = 0;
        int fsIndex = 0;
        int gsIndex = 0;
        try {
            fsBase = t.read("thread.fsbase");
            gsBase = t.read("thread.gsbase");
            fsIndex = (int) t.read("thread.fsindex");
            gsIndex = (int) t.read("thread.gsindex");
        } catch (RuntimeException e) {
            errors.add("thread: " + e.getMessage());
        }
        FpuState fpu = null;
        if (withFpu) {
            try {
                fpu = fpu(t, FpuProvenance.decide(running, (tif & (1L << TIF_NEED_FPU_LOAD)) != 0,
                        FpuProvenance.crashSaved(t)));
            } catch (RuntimeException e) {
                errors.add("fpu: " + e.getMessage());
            }
        }
        long blocked = 0;
        long pending = 0;
        List<QueuedSignal> queued = List.of();
        try {
            blocked = ProcessReader.sigset(t, "blocked");
            pending = ProcessReader.sigset(t, "pending.signal");
            queued = queued(t.addressOf("pending"), errors, "pending");
        } catch (RuntimeException e) {
            errors.add("signals: " + e.getMessage());
        }
        long sasSp = 0;
        long sasSize = 0;
        int sasFlags = 0;
        long rseq = 0;
        int rseqLen = 0;
        int rseqSig = 0;
        long clearTid = 0;
        long setTid = 0;
        long stack = 0;
        long vforkDone = 0;
        try {
            stack = t.pointer("stack");
            vforkDone = hasVforkDone ? t.pointer("vfork_done") : 0;
        } catch (RuntimeException e) {
            errors.add("stack: " + e.getMessage());
        }
        try {
            sasSp = t.read("sas_ss_sp");
            sasSize = t.read("sas_ss_size");
            sasFlags = (int) t.read("sas_ss_flags");
            rseq = t.pointer("rseq");
            rseqSig = (int) t.read("rseq_sig");
            rseqLen = hasRseqLen ? (int) t.read("rseq_len") : rseq != 0 ? RSEQ_LEN_61 : 0;
            clearTid = t.pointer("clear_child_tid");
            setTid = t.pointer("set_child_tid");
        } catch (RuntimeException e) {
            errors.add("misc: " + e.getMessage());
        }
        return new ThreadModel(t.address(), s.tid(), s.comm(), s.state(), s.rawState(), flags, tif, onCpu, cpu,
                crashCpu, regs, fsBase, gsBase, fsIndex, gsIndex, syscall, fpu, blocked, pending, queued, sasSp,
                sasSize, sasFlags, rseq, rseqLen, rseqSig, clearTid, setTid, stack, vforkDone, List.copyOf(errors));
    }

    /** The siginfos queued on the struct sigpending at {@code pendingAddr}; walk problems go to {@code errors}. */
    List<QueuedSignal> queued(long pendingAddr, List<String> errors, String what) {
        KObject p = kernel.object("sigpending", pendingAddr);
        var w = kernel.lists().walk(p.addressOf("list"), "sigqueue", "list", ProcessReader.MAX_QUEUED);
        if (w.error() != null) {
            errors.add(what + ": " + w.error());
        }
        List<QueuedSignal> out = new ArrayList<>();
        for (KObject q : w.entries()) {
            KObject info = q.member("info");
            out.add(new QueuedSignal((int) info.read("si_signo"), (int) info.read("si_errno"),
                    (int) info.read("si_code"), info.bytes()));
        }
        return out;
    }

    /** task_pt_regs(t): the pt_regs at the top of the thread's kernel stack. */
    public PtRegs ptRegs(KObject t) {
        long stack = t.pointer("stack");
        if (stack == 0) {
            throw new IllegalStateException("task has no kernel stack (exited)");
        }
        long at = PtRegs.locate(stack, threadSize, ptRegs.size(), PtRegs.TOP_OF_KERNEL_STACK_PADDING_X86_64);
        KObject r = new KObject(kernel.kernelMemory(), at, ptRegs);
        Map<String, Long> values = new LinkedHashMap<>();
        for (String name : ptRegs.memberNames()) {
            if (!name.isEmpty()) {
                values.put(name, r.read(name));
            }
        }
        return new PtRegs(at, values);
    }

    /** The saved FPU state ({@code thread.fpu.fpstate}). */
    public FpuState fpu(KObject t, FpuProvenance provenance) {
        KObject fpstate = t.deref("thread.fpu.fpstate");
        if (fpstate == null) {
            throw new IllegalStateException("thread.fpu.fpstate is NULL");
        }
        long size = fpstate.read("size");
        if (size < XsaveHeader.OFFSET + XsaveHeader.SIZE || size > MAX_XSAVE) {
            throw new IllegalStateException("implausible fpstate->size " + size + " at 0x"
                    + Long.toHexString(fpstate.address()));
        }
        byte[] area = kernel.kernelMemory().readBytes(fpstate.addressOf("regs"), (int) size);
        XsaveHeader h = XsaveHeader.parse(area);
        return new FpuState(fpstate.address(), (int) size, (int) fpstate.read("user_size"), fpstate.read("xfeatures"),
                fpstate.read("user_xfeatures"), h, provenance, t.type().hasMember(FpuProvenance.CRASH_SAVED), area);
    }
}
