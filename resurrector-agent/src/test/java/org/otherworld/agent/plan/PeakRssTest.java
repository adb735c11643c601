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

    @Test
    void classDataArchiveIsTheMappedJsaFile(@TempDir Path tmp) throws Exception {
        Path m = tmp.resolve("maps");
        Files.writeString(m, "7f00-7f10 r--p 00000000 fd:01 12 /opt/ow/jre/lib/libjava.so\n"
                + "800000000-800783000 rw-p 00001000 fd:10 34 /data/ow/lib/otherworld-agent.jsa\n"
                + "7ffd-7ffe rw-p 00000000 00:00 0 [stack]\n");
        assertEquals("/data/ow/lib/otherworld-agent.jsa", Resurrector.classDataArchive(m));
        Files.writeString(m, "7ffd-7ffe rw-p 00000000 00:00 0 [stack]\n");
        assertEquals("none", Resurrector.classDataArchive(m));
        assertNull(Resurrector.classDataArchive(tmp.resolve("absent")));
    }
}
