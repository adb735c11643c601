package org.otherworld.agent.images;

/** One rt_sigaction (sa_entry): handler, SA_* flags, restorer, blocked mask during the handler. */
public record SigActionImage(long handler, long flags, long restorer, long mask) {
    /** SIG_DFL with no flags. */
    public static final SigActionImage DEFAULT = new SigActionImage(0, 0, 0, 0);
}
