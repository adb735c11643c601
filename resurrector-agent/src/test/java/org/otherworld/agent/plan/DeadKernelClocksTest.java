package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The clocks at the crash from the timekeeper's fields (values of a real 6.1 dump, capture c1). */
class DeadKernelClocksTest {
    /** tkr_mono.shift of the TSC clocksource in that dump is not known here; any shift works the same. */
    static final long SHIFT = 24;

    @Test
    void monotonicIsBasePlusAccumulatedNanosecondsPlusMargin() {
        // tkr_mono.base 14.710114744 s, xtime_nsec 768000000 << shift, offs_real = -wall_to_monotonic
        // ({-1795368241, 710114744}): realtime 1795368255.768 s at the update, VMCOREINFO CRASHTIME 1795368255
        DeadKernelClocks.Fields f = new DeadKernelClocks.Fields(14_710_114_744L, 768_000_000L << SHIFT, SHIFT, 0,
                1_795_368_240_289_885_256L);
        DeadKernelClocks.Reading r = DeadKernelClocks.fromTimekeeper(f, "test");
        long mono = 14_710_114_744L + 768_000_000L + DeadKernelClocks.UPDATE_MARGIN_NS;
        assertEquals(mono, r.clocks().monotonicNs());
        assertEquals(mono, r.clocks().boottimeNs(), "never suspended: boottime == monotonic");
        assertEquals(1_795_368_255_768_000_000L + DeadKernelClocks.UPDATE_MARGIN_NS, r.realtimeNs());
    }

    @Test
    void boottimeAddsTheSuspendOffset() {
        DeadKernelClocks.Fields f = new DeadKernelClocks.Fields(77_000_000_000L, 5L << SHIFT, SHIFT, 3_000_000_000L, 0);
        DeadKernelClocks.Reading r = DeadKernelClocks.fromTimekeeper(f, "test");
        assertEquals(77_000_000_005L + DeadKernelClocks.UPDATE_MARGIN_NS, r.clocks().monotonicNs());
        assertEquals(r.clocks().monotonicNs() + 3_000_000_000L, r.clocks().boottimeNs());
    }

    @Test
    void corruptTimekeeperIsRejectedWithItsSource() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DeadKernelClocks.fromTimekeeper(
                new DeadKernelClocks.Fields(-5, 0, SHIFT, 0, 0), "tk_core.timekeeper"));
        assertTrue(e.getMessage().contains("tk_core.timekeeper") && e.getMessage().contains("tkr_mono.base -5"),
                e.getMessage());
        assertThrows(IllegalStateException.class, () -> DeadKernelClocks.fromTimekeeper(
                new DeadKernelClocks.Fields(1, 0, 200, 0, 0), "x"));
        assertThrows(IllegalStateException.class, () -> DeadKernelClocks.fromTimekeeper(
                new DeadKernelClocks.Fields(1, 0, SHIFT, -1, 0), "x"));
        assertThrows(IllegalStateException.class, () -> DeadKernelClocks.fromTimekeeper(
                new DeadKernelClocks.Fields(Long.MAX_VALUE / 2, 0, SHIFT, 0, 0), "x"));
    }
}
