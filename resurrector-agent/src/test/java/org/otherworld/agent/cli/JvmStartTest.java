package org.otherworld.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JvmStartTest {
    @Test
    void startTimeIsFieldTwentyTwoCountedAfterTheCommandName() {
        // a command name with a space and a ')' of its own; start time 3358988 ticks = 33589.88 s
        String stat = "1201 (my) java) R 1198 1198 16783 0 -1 4194304 128 0 0 0 0 0 0 0 20 0 1 0 3358988 3133440 415";
        assertEquals(2_120, JvmStart.millis(stat, "33592.00 61000.00\n"));
    }

    @Test
    void aClockThatWentBackwardsGivesZero() {
        String stat = "7 (java) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0";
        assertEquals(0, JvmStart.millis(stat, "4.00 1.00"));
    }
}
