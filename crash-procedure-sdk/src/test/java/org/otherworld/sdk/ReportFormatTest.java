package org.otherworld.sdk;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportFormatTest {
    @Test
    void parsesHandWrittenReportAsTheRestorerWritesIt() throws IOException {
        String text = "# written by the restorer\n"
                + "format=1\n"
                + "pid=4242\n"
                + "crashtime=2024-05-01T10:00:00Z\n"
                + "downtime_ms=5300\n"
                + "panic=Kernel panic - not syncing: sysrq\\ttriggered\\ncrash\n"
                + "faulty=true\n"
                + "resource=5\ttcp\ttcp 10.0.0.1:5432 ESTABLISHED\tsocket state lost\n"
                + "resource=-1\tpipe\tpipe:[1234]\tpeer not resurrected\n"
                + "future_key=ignored\n";
        ResurrectionReport r = ReportFormat.parse(text, "t");
        assertEquals(4242, r.pid());
        assertEquals(Instant.parse("2024-05-01T10:00:00Z"), r.crashTime());
        assertEquals(Duration.ofMillis(5300), r.downtime());
        assertEquals("Kernel panic - not syncing: sysrq\ttriggered\ncrash", r.panicMessage());
        assertTrue(r.wasFaultyProcess());
        assertEquals(List.of(new UnrestoredResource(5, "tcp", "tcp 10.0.0.1:5432 ESTABLISHED", "socket state lost"),
                new UnrestoredResource(-1, "pipe", "pipe:[1234]", "peer not resurrected")), r.unrestoredResources());
        assertFalse(r.fullyRestored());
    }

    @Test
    void roundTripKeepsEscapedCharacters() throws IOException {
        ResurrectionReport r = new ResurrectionReport(7, Instant.ofEpochSecond(1_700_000_000), Duration.ofSeconds(3),
                "a\\b\tc\nd", false, List.of(new UnrestoredResource(3, "unix", "x\ty", "r\\n")));
        assertEquals(r, ReportFormat.parse(ReportFormat.write(r), "rt"));
    }

    @Test
    void rejectsMissingFieldsAndBadLines() {
        IOException e = assertThrows(IOException.class, () -> ReportFormat.parse("format=1\npid=3\n", "f"));
        assertTrue(e.getMessage().contains("crashtime"), e.getMessage());
        e = assertThrows(IOException.class, () -> ReportFormat.parse("format=1\npid=x\n", "f"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        e = assertThrows(IOException.class, () -> ReportFormat.parse(
                "format=1\npid=3\ncrashtime=2024-05-01T10:00:00Z\nresource=1\ttcp\n", "f"));
        assertTrue(e.getMessage().contains("4 tab-separated"), e.getMessage());
        assertThrows(IOException.class, () -> ReportFormat.parse("format=2\npid=3\ncrashtime=2024-05-01T10:00:00Z\n", "f"));
        assertThrows(IOException.class, () -> ReportFormat.parse("garbage\n", "f"));
    }
}
