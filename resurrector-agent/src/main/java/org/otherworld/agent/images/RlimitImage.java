package org.otherworld.agent.images;

/** One resource limit (rlimit_entry); RLIM_INFINITY is -1 (all ones). */
public record RlimitImage(long cur, long max) {
}
