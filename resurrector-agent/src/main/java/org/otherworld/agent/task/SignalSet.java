package org.otherworld.agent.task;

import java.util.ArrayList;
import java.util.List;

/** Helpers for sigset_t values as 64-bit masks (bit n-1 = signal n, _NSIG 64 on x86-64). */
public final class SignalSet {
    private SignalSet() {
    }

    /** The signal numbers in {@code mask}, ascending. */
    public static List<Integer> signals(long mask) {
        List<Integer> out = new ArrayList<>();
        for (int b = 0; b < 64; b++) {
            if ((mask & (1L << b)) != 0) {
                out.add(b + 1);
            }
        }
        return out;
    }
}
