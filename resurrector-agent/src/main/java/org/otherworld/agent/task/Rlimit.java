package org.otherworld.agent.task;

/**
 * One resource limit ({@code signal->rlim[resource]}). {@code RLIM_INFINITY} is -1 (all ones).
 *
 * @param resource the RLIMIT_* index
 * @param cur      rlim_cur
 * @param max      rlim_max
 */
public record Rlimit(int resource, long cur, long max) {
    /** RLIMIT_* names in index order (include/uapi/asm-generic/resource.h). */
    public static final String[] NAMES = {"cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
        "memlock", "as", "locks", "sigpending", "msgqueue", "nice", "rtprio", "rttime"};

    public String name() {
        return resource < NAMES.length ? NAMES[resource] : "rlimit" + resource;
    }
}
