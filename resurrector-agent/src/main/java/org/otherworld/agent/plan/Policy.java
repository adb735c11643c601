package org.otherworld.agent.plan;

/**
 * The resurrection policy an application chose with the SDK (docs/sdk.md, {@code policy} and
 * {@code policy_code} of the registration record).
 */
public enum Policy {
    /** Resurrect even with unrestored resources; the procedures decide (code 1, the SDK default). */
    RESURRECT_WITH_PROCEDURE(1),
    /** Never resurrect (code 2). */
    NEVER_RESURRECT(2),
    /** Resurrect with unrestored resources even without any procedure (code 3). */
    RESURRECT_EVEN_IF_PARTIAL(3);

    private final int code;

    Policy(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The policy with {@code code}, or null. */
    public static Policy ofCode(int code) {
        for (Policy p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        return null;
    }
}
