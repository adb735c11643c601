package org.otherworld.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTest {
    @TempDir
    Path dir;

    private String check(boolean expectOk) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(expectOk, JournalApp.check(dir, new PrintStream(buf, true, StandardCharsets.UTF_8)));
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void editsAreJournaledAndCheckPasses() throws Exception {
        JournalDocument doc = JournalApp.run(dir, 0, false, 400);
        assertEquals(400, doc.seq());
        assertTrue(doc.lineCount() <= JournalDocument.MAX_LINES + 1, "document stays bounded: " + doc.lineCount());
        JournalDocument.Replay r = JournalDocument.replay(dir.resolve(JournalApp.JOURNAL), 400);
        assertNull(r.error());
        assertEquals(doc.checksum(), r.document().checksum());
        assertEquals(doc.checksum(), r.checksumAtSeq());
        String out = check(true);
        assertTrue(out.contains("PASS checksum at seq 400"), out);
    }

    @Test
    void tornTailIsToleratedAndTruncatedOnResume() throws Exception {
        JournalApp.run(dir, 0, false, 50);
        Path j = dir.resolve(JournalApp.JOURNAL);
        Files.writeString(j, "51\tA\tpart", StandardOpenOption.APPEND);
        assertTrue(check(true).contains("torn last record ignored"));
        JournalDocument doc = JournalApp.run(dir, 0, false, 10);
        assertEquals(60, doc.seq());
        JournalDocument.Replay r = JournalDocument.replay(j, -1);
        assertFalse(r.tornTail());
        assertNull(r.error());
        assertEquals(60, r.document().seq());
    }

    @Test
    void checkFailsOnStatusAheadOfJournalOrWrongChecksumOrGap() throws Exception {
        JournalApp.run(dir, 0, false, 30);
        Path status = dir.resolve(JournalApp.STATUS);
        String good = Files.readString(status);
        Files.writeString(status, good.replace("seq=30", "seq=31"));
        assertTrue(check(false).contains("FAIL status acknowledges seq 31 but the journal ends at 30"));
        Files.writeString(status, good.replaceAll("checksum=[0-9a-f]+", "checksum=0000000000000000"));
        assertTrue(check(false).contains("FAIL checksum at seq 30"));
        Files.writeString(status, good);
        Files.writeString(dir.resolve(JournalApp.JOURNAL), "40\tA\tx\n", StandardOpenOption.APPEND);
        assertTrue(check(false).contains("FAIL journal is inconsistent"));
    }
}
