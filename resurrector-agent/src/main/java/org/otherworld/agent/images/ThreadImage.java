package org.otherworld.agent.images;

import java.util.List;

/**
 * One thread: written as core-TID.img (thread_info_x86 + thread_core_entry).
 *
 * @param tid             thread id (the leader's tid equals the pid)
 * @param comm            thread name (≤ 15 bytes)
 * @param regs            user registers at the moment of the crash (fs/gs base included)
 * @param restart         what to do if the thread was inside a system call
 * @param xsave           the thread's XSAVE area (legacy 512 bytes + header + components, standard or
 *                        compacted format), or null for the FPU's initial state
 * @param blockedSigset   blocked signal mask, bit n-1 = signal n
 * @param sigAltStack     sigaltstack, or null for none
 * @param clearChildTid   set_tid_address value (clear_tid_addr)
 * @param robustList      set_robust_list head, 0 for none
 * @param rseq            registered rseq, or null
 * @param pendingSignals  this thread's pending signals, each a raw 128-byte siginfo
 * @param syscallResult   the call's result when {@code restart} is {@link SyscallRestart#RETURN}
 */
public record ThreadImage(int tid, String comm, X86Regs regs, SyscallRestart restart, byte[] xsave,
        long blockedSigset, SigAltStack sigAltStack, long clearChildTid, long robustList, RseqImage rseq,
        List<byte[]> pendingSignals, long syscallResult) {

    /** Size of struct robust_list_head on x86-64 (set_robust_list requires exactly this). */
    public static final int ROBUST_LIST_HEAD_SIZE = 24;

    /** A thread whose call, if any, is not completed with a result ({@code syscallResult} 0). */
    public ThreadImage(int tid, String comm, X86Regs regs, SyscallRestart restart, byte[] xsave, long blockedSigset,
                       SigAltStack sigAltStack, long clearChildTid, long robustList, RseqImage rseq,
                       List<byte[]> pendingSignals) {
        this(tid, comm, regs, restart, xsave, blockedSigset, sigAltStack, clearChildTid, robustList, rseq,
                pendingSignals, 0);
    }

    /** The registers to write: {@link #regs} with {@link #restart} applied. */
    public X86Regs effectiveRegs() {
        return restart.apply(regs, syscallResult);
    }

    public ThreadImage {
        pendingSignals = pendingSignals == null ? List.of() : List.copyOf(pendingSignals);
        restart = restart == null ? SyscallRestart.NONE : restart;
    }
}
