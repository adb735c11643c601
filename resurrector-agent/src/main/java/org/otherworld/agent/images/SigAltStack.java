package org.otherworld.agent.images;

/** A thread's sigaltstack (thread_sas_entry). */
public record SigAltStack(long sp, long size, int flags) {
    /** SS_DISABLE: no alternate stack. */
    public static final int SS_DISABLE = 2;
}
