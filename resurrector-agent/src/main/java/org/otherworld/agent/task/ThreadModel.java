package org.otherworld.agent.task;

import java.util.List;

/**
 * One thread of a dead process.
 *
 * @param task           address of its struct task_struct
 * @param tid            task->pid
 * @param comm           task->comm
 * @param state          the /proc state letter (R, S, D, T, t, X, Z, P, I)
 * @param rawState       task->__state
 * @param flags          task->flags (PF_*)
 * @param tifFlags       task->thread_info.flags (TIF_*)
 * @param onCpu          task->on_cpu
 * @param cpu            the CPU the task last ran on
 * @param crashCpu       the CPU whose crash note names this thread (NT_PRSTATUS pr_pid), or -1
 * @param regs           user registers from task_pt_regs(), or null if unreadable
 * @param fsBase         task->thread.fsbase
 * @param gsBase         task->thread.gsbase
 * @param fsIndex        task->thread.fsindex
 * @param gsIndex        task->thread.gsindex
 * @param syscall        the /proc/PID/task/TID/syscall line ("running" for a thread on a CPU)
 * @param fpu            the saved FPU state, or null if unreadable
 * @param blocked        task->blocked
 * @param pending        task->pending.signal
 * @param queued         task->pending.list siginfos
 * @param sasSsSp        task->sas_ss_sp (sigaltstack)
 * @param sasSsSize      task->sas_ss_size
 * @param sasSsFlags     task->sas_ss_flags
 * @param rseq           task->rseq (user address of struct rseq, 0 if none)
 * @param rseqLen        registered rseq length (task->rseq_len; 32 on 6.1 when registered)
 * @param rseqSig        task->rseq_sig
 * @param clearChildTid  task->clear_child_tid
 * @param setChildTid    task->set_child_tid
 * @param kernelStack    task->stack (base of the kernel stack; its pt_regs lie at the top), 0 if unread
 * @param vforkDone      task->vfork_done: the completion on the kernel stack of the parent waiting in a
 *                       vfork-style clone for this child's exec or exit (kernel/fork.c), 0 if none or absent
 * @param errors         problems reading parts of this thread ("part: reason")
 */
public record ThreadModel(long task, int tid, String comm, char state, long rawState, long flags, long tifFlags,
                          boolean onCpu, int cpu, int crashCpu, PtRegs regs, long fsBase, long gsBase, int fsIndex,
                          int gsIndex, String syscall, FpuState fpu, long blocked, long pending,
                          List<QueuedSignal> queued, long sasSsSp, long sasSsSize, int sasSsFlags, long rseq,
                          int rseqLen, int rseqSig, long clearChildTid, long setChildTid, long kernelStack, long vforkDone,
                          List<String> errors) {
    /**
     * TASK_NEW (include/linux/sched.h, v6.1: 0x00000800): sched_fork() sets it on a task being created and
     * wake_up_new_task() replaces it with TASK_RUNNING, both inside the creating clone call.
     */
    public static final long TASK_NEW = 0x800;

    /** Whether the task was still being created by a clone call (state TASK_NEW: never woken). */
    public boolean beingCreated() {
        return rawState == TASK_NEW;
    }

    /** Whether the thread was executing on a CPU when the kernel crashed. */
    public boolean runningAtCrash() {
        return crashCpu >= 0 || onCpu;
    }

    /** The CPU it was running on at the crash (its crash note's CPU, else the CPU it last ran on). */
    public int runningCpu() {
        return crashCpu >= 0 ? crashCpu : cpu;
    }

    /** Where its FPU state comes from, or null if the FPU state could not be read. */
    public FpuProvenance fpuProvenance() {
        return fpu == null ? null : fpu.provenance();
    }
}
