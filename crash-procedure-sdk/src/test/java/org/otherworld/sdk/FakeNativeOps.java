package org.otherworld.sdk;

import java.util.ArrayList;
import java.util.List;

/**
 * Records native calls. prctl answers with a configurable errno: EINVAL (22) like a stock kernel, or 0 like
 * a kernel with the Otherworld patch, which then keeps the policy and count for PR_GET_OTHERWORLD.
 */
final class FakeNativeOps implements NativeOps {
    final List<int[]> prctlCalls = new ArrayList<>();
    int prctlErrno = 22; // EINVAL, like a stock kernel
    int kernelPolicy;
    int kernelCount;
    int execCalls;

    @Override
    public int prctlSetOtherworld(int policyCode, int procedureCount) {
        prctlCalls.add(new int[] {policyCode, procedureCount});
        if (prctlErrno == 0) {
            kernelPolicy = policyCode;
            kernelCount = procedureCount;
        }
        return prctlErrno;
    }

    @Override
    public int[] prctlGetOtherworld() {
        return prctlErrno == 0 ? new int[] {kernelPolicy, kernelCount} : new int[] {-prctlErrno, 0};
    }

    @Override
    public int markCloseOnExecFrom3() {
        return 0;
    }

    @Override
    public void execve(String path, List<String> argv, List<String> env) {
        execCalls++;
        throw new IllegalStateException("fake execve");
    }
}
