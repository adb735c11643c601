package org.otherworld.sdk;

import java.util.ArrayList;
import java.util.List;

/** Records native calls; prctl answers with a configurable errno. */
final class FakeNativeOps implements NativeOps {
    final List<int[]> prctlCalls = new ArrayList<>();
    int prctlErrno = 22; // EINVAL, like a stock kernel
    int execCalls;

    @Override
    public int prctlSetOtherworld(int policyCode, int procedureCount) {
        prctlCalls.add(new int[] {policyCode, procedureCount});
        return prctlErrno;
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
