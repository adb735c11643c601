package org.otherworld.agent.task;

/**
 * One signal disposition ({@code sighand->action[signo - 1].sa}).
 *
 * @param signo    the signal number (1..64)
 * @param handler  sa_handler (0 = SIG_DFL, 1 = SIG_IGN, else a user address)
 * @param flags    sa_flags (SA_*)
 * @param restorer sa_restorer
 * @param mask     sa_mask (bit n-1 = signal n)
 */
public record SigAction(int signo, long handler, long flags, long restorer, long mask) {
    /** SIG_DFL and SIG_IGN (include/uapi/asm-generic/signal-defs.h). */
    public static final long SIG_DFL = 0, SIG_IGN = 1;

    public boolean isDefault() {
        return handler == SIG_DFL && flags == 0 && mask == 0 && restorer == 0;
    }
}
