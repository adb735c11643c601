package org.otherworld.sdk;

import java.util.List;

/** The few operating-system calls the SDK needs beyond the JDK (replaceable in tests). */
interface NativeOps {
    /** {@code prctl(PR_SET_OTHERWORLD, ...)} option value (ASCII "OW" in the high half). */
    int PR_SET_OTHERWORLD = 0x4f57_0001;

    /**
     * Tells a patched kernel about the registration.
     *
     * @return 0 on success, else the errno (EINVAL on a stock kernel)
     */
    int prctlSetOtherworld(int policyCode, int procedureCount);

    /** Marks every descriptor >= 3 close-on-exec; returns how many were marked. */
    int markCloseOnExecFrom3();

    /**
     * Replaces the process image (never returns on success).
     *
     * @throws IllegalStateException with the errno if execve failed
     */
    void execve(String path, List<String> argv, List<String> env);
}
