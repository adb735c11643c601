package org.otherworld.sdk;

/**
 * How the resurrector agent should treat this process after a kernel crash.
 *
 * <p>The policy is part of the durable registration record (see {@code docs/sdk.md}) and, on a
 * patched kernel, is also passed to the kernel with {@code prctl(PR_SET_OTHERWORLD, code, count)}.
 */
public enum ResurrectionPolicy {
    /**
     * Default once a procedure is registered: resurrect the process and let the registered crash
     * procedures decide what to do with the resources that could not be restored.
     */
    RESURRECT_WITH_PROCEDURE(1),
    /** Never resurrect this process; the SDK runs no procedure even if a report arrives. */
    NEVER_RESURRECT(2),
    /**
     * Resurrect the process even if some resources cannot be restored and even without a
     * procedure; registered procedures still run.
     */
    RESURRECT_EVEN_IF_PARTIAL(3);

    private final int code;

    ResurrectionPolicy(int code) {
        this.code = code;
    }

    /**
     * Numeric code of this policy as used by the kernel interface ({@code prctl} argument 2).
     * Code 0 means "not registered".
     *
     * @return 1, 2 or 3
     */
    public int code() {
        return code;
    }
}
