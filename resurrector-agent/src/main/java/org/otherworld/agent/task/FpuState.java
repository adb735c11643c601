package org.otherworld.agent.task;

/**
 * A thread's saved FPU/extended state: {@code task->thread.fpu.fpstate} (struct fpstate, v6.1) and the
 * raw XSAVE area {@code fpstate->regs.xsave}.
 *
 * @param fpstate       address of the struct fpstate
 * @param size          fpstate->size (bytes of the kernel buffer in use)
 * @param userSize      fpstate->user_size (bytes of the uncompacted user-ABI XSAVE layout)
 * @param xfeatures     fpstate->xfeatures (components enabled for this buffer)
 * @param userXfeatures fpstate->user_xfeatures
 * @param header        the XSAVE header of the area
 * @param provenance    whether the copy is exact, was saved by the patched kernel at the crash, or is
 *                      approximate (the thread was on a CPU with TIF_NEED_FPU_LOAD clear: the live
 *                      registers were in the CPU, this copy may be stale)
 * @param crashSaveKernel whether the kernel has {@code fpu.crash_saved} (patch 0001)
 * @param xsave         the raw XSAVE area ({@code size} bytes)
 */
public record FpuState(long fpstate, int size, int userSize, long xfeatures, long userXfeatures, XsaveHeader header,
                       FpuProvenance provenance, boolean crashSaveKernel, byte[] xsave) {
    /** Whether the copy may be stale (see {@link FpuProvenance#APPROXIMATE}). */
    public boolean approximate() {
        return provenance == FpuProvenance.APPROXIMATE;
    }
}
