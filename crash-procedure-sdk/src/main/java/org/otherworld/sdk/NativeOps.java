package org.otherworld.sdk;

import java.util.List;

/** The few operating-system calls the SDK needs beyond the JDK (replaceable in tests). */
interface NativeOps {
    /**
     * {@code prctl(PR_SET_OTHERWORLD, policy, nr_procedures, 0, 0)} option value (ASCII "OW" in the high
     * half), from kernel-patches/0002 ({@code include/uapi/linux/prctl.h}).
     */
    int PR_SET_OTHERWORLD = 0x4f57_0001;
    /** {@code prctl(PR_GET_OTHERWORLD, unsigned int *nr_procedures, 0, 0, 0)}, same patch. */
    int PR_GET_OTHERWORLD = 0x4f57_0002;
    /** EINVAL (asm-generic/errno-base.h): a stock kernel's answer to an unknown prctl option. */
    int EINVAL = 22;

    /**
     * Tells a patched kernel about the registration.
     *
     * @return 0 on success, else the errno (EINVAL on a stock kernel)
     */
    int prctlSetOtherworld(int policyCode, int procedureCount);

    /**
     * Asks a patched kernel for the registration it holds.
     *
     * @return {policy, procedure count} on success, or {-errno, 0} (EINVAL on a stock kernel)
     */
    int[] prctlGetOtherworld();

    /** Marks every descriptor >= 3 close-on-exec; returns how many were marked. */
    int markCloseOnExecFrom3();

    /**
     * Replaces the process image (never returns on success).
     *
     * @throws IllegalStateException with the errno if execve failed
     */
    void execve(String path, List<String> argv, List<String> env);
}
