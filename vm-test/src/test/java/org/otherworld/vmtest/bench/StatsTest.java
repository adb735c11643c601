package org.otherworld.vmtest.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void medianOfOddAndEvenCountsLeavingOutTheUnmeasured() {
        Stats a = Stats.of(Arrays.asList(5, null, 1, 3));
        assertEquals(3, a.n());
        assertEquals(3.0, a.median());
        assertEquals(1.0, a.min());
        assertEquals(5.0, a.max());
        assertEquals(2.5, Stats.of(List.of(4, 1, 2, 3)).median());
    }

    @Test
    void formats() {
        assertEquals("not measured", Stats.of(List.of()).format(v -> "x"));
        assertNull(Stats.of(Arrays.asList((Integer) null)).median());
        assertEquals("2.0 (n=1)", Stats.of(List.of(2)).format(v -> String.format("%.1f", v)));
        assertEquals("2.0 (1.0-3.0, n=3)", Stats.of(List.of(3, 1, 2)).format(v -> String.format("%.1f", v)));
    }
}
