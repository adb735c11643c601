package org.otherworld.agent.task;

import org.otherworld.agent.kernel.KObject;

/**
 * How far a thread's FPU/SSE/AVX state read from {@code thread.fpu.fpstate} can be trusted.
 *
 * <p>A task that is running on a CPU keeps its FPU registers live in that CPU; the kernel copies them to
 * {@code fpstate} only on a context switch or {@code kernel_fpu_begin()}, and then sets
 * {@code TIF_NEED_FPU_LOAD}. A stock kernel does not copy them at a crash, so for a thread that was on a
 * CPU with {@code TIF_NEED_FPU_LOAD} clear the copy in memory is stale. The kernel patch
 * {@code kernel-patches/0001} saves them at the crash and sets {@code fpu.crash_saved} (docs/kernel-patches.md).
 */
public enum FpuProvenance {
    /** The memory copy is authoritative: the thread was not running, or TIF_NEED_FPU_LOAD was set. */
    EXACT("exact"),
    /** The patched kernel saved the live registers at the crash ({@code fpu.crash_saved == 1}). */
    SAVED_AT_CRASH("saved_at_crash"),
    /** The thread was running with its registers live in the CPU, and nobody saved them: stale copy. */
    APPROXIMATE("approximate");

    /** Path of the member patch 0001 adds (absent in a stock kernel's BTF). */
    public static final String CRASH_SAVED = "thread.fpu.crash_saved";

    private final String json;

    FpuProvenance(String json) {
        this.json = json;
    }

    /** The name used in JSON ({@code exact}, {@code saved_at_crash}, {@code approximate}). */
    public String json() {
        return json;
    }

    /**
     * Decides the provenance.
     *
     * @param running     the thread was on a CPU at the crash (its CPU's crash note names it, or on_cpu)
     * @param needFpuLoad TIF_NEED_FPU_LOAD was set (the memory copy is the authoritative one)
     * @param crashSaved  {@code fpu.crash_saved}: 1 or 0, or null when the kernel has no such member
     */
    public static FpuProvenance decide(boolean running, boolean needFpuLoad, Integer crashSaved) {
        if (crashSaved != null && crashSaved != 0) {
            return SAVED_AT_CRASH;
        }
        if (!running || needFpuLoad) {
            return EXACT;
        }
        return APPROXIMATE;
    }

    /**
     * {@code task->thread.fpu.crash_saved} of {@code task}: null when the kernel's BTF lacks the member
     * (stock kernel); a value that cannot be read counts as 0 (not saved).
     */
    public static Integer crashSaved(KObject task) {
        if (!task.type().hasMember(CRASH_SAVED)) {
            return null;
        }
        try {
            return (int) task.read(CRASH_SAVED);
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
