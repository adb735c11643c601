package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeakRssTest {
    @Test
    void readsVmHwmInKib(@TempDir Path tmp) throws Exception {
        Path s = tmp.resolve("status");
        Files.writeString(s, "Name:\tjava\nVmPeak:\t 3000000 kB\nVmHWM:\t   123456 kB\nVmRSS:\t  100000 kB\n");
        assertEquals(123456L, Resurrector.peakRssKib(s));
    }

    @Test
    void unknownWhenAbsentOrMalformed(@TempDir Path tmp) throws Exception {
        assertNull(Resurrector.peakRssKib(tmp.resolve("none")));
        Path s = tmp.resolve("status");
        Files.writeString(s, "VmHWM:\tlots\n");
        assertNull(Resurrector.peakRssKib(s));
    }
}
