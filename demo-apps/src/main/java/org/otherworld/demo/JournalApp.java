package org.otherworld.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code journal DIR [PERIOD_MS] [fsync]}: an editor-like program that registers NO crash
 * procedure. It edits its in-memory document on its own (one edit per PERIOD_MS, default 100),
 * appends each edit to {@code DIR/journal.log} with one write per edit (forced to disk with
 * {@code fsync}), and rewrites {@code DIR/status.txt} atomically about once a second:
 * {@code seq=N checksum=HEX lines=K pid=P time=ISO}. {@code journal-check DIR} verifies the status
 * against a replay of the journal.
 */
final class JournalApp {
    static final String JOURNAL = "journal.log";
    static final String STATUS = "status.txt";
    private static final long STATUS_PERIOD_MS = 1000;

    private JournalApp() {
    }

    static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: journal DIR [PERIOD_MS] [fsync]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        long period = args.length > 1 ? Long.parseLong(args[1]) : 100;
        boolean fsync = args.length > 2 && args[2].equals("fsync");
        Files.createDirectories(dir);
        run(dir, period, fsync, Long.MAX_VALUE);
    }

    /** Runs {@code maxEdits} edits (bounded for tests); returns the final document. */
    static JournalDocument run(Path dir, long periodMs, boolean fsync, long maxEdits)
            throws IOException, InterruptedException {
        Path journal = dir.resolve(JOURNAL);
        JournalDocument.Replay r = JournalDocument.replay(journal, -1);
        if (r.error() != null) {
            throw new IOException("cannot resume: " + r.error());
        }
        JournalDocument doc = r.document();
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.truncate(r.validBytes()); // drop a torn last record
            ch.position(r.validBytes());
            System.out.println("journal: resumed at seq " + doc.seq() + " pid " + ProcessHandle.current().pid());
            System.out.flush();
            long lastStatus = 0;
            for (long i = 0; i < maxEdits; i++) {
                ByteBuffer b = ByteBuffer.wrap((doc.nextEdit() + "\n").getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                if (fsync) {
                    ch.force(false);
                }
                long now = System.currentTimeMillis();
                if (now - lastStatus >= STATUS_PERIOD_MS || i + 1 == maxEdits) {
                    writeStatus(dir, doc);
                    lastStatus = now;
                }
                if (periodMs > 0) {
                    Thread.sleep(periodMs);
                }
            }
        }
        return doc;
    }

    static void writeStatus(Path dir, JournalDocument doc) throws IOException {
        DemoFiles.writeAtomically(dir.resolve(STATUS), "seq=" + doc.seq() + " checksum=" + doc.checksum()
                + " lines=" + doc.lineCount() + " pid=" + ProcessHandle.current().pid() + " time=" + Instant.now() + "\n");
    }

    static void checkMain(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: journal-check DIR");
            System.exit(2);
        }
        System.exit(check(Path.of(args[0]), System.out) ? 0 : 1);
    }

    /** Verifies the status file against the journal; prints PASS/FAIL lines. */
    static boolean check(Path dir, PrintStream out) throws IOException {
        Path statusFile = dir.resolve(STATUS);
        if (!Files.exists(statusFile)) {
            out.println("FAIL no status file " + statusFile);
            return false;
        }
        // read the status before the journal: the journal only grows after the status was written
        Map<String, String> st = fields(Files.readString(statusFile, StandardCharsets.UTF_8).trim());
        long seq;
        try {
            seq = Long.parseLong(st.get("seq"));
        } catch (RuntimeException e) {
            out.println("FAIL status file has no valid seq: " + st);
            return false;
        }
        JournalDocument.Replay r = JournalDocument.replay(dir.resolve(JOURNAL), seq);
        boolean ok = true;
        if (r.error() != null) {
            out.println("FAIL journal is inconsistent: " + r.error());
            ok = false;
        } else {
            out.println("PASS journal records 1.." + r.document().seq() + " are consecutive and applicable"
                    + (r.tornTail() ? " (torn last record ignored)" : ""));
        }
        if (r.document().seq() < seq) {
            out.println("FAIL status acknowledges seq " + seq + " but the journal ends at " + r.document().seq());
            ok = false;
        } else {
            out.println("PASS status seq " + seq + " is covered by the journal (ends at " + r.document().seq() + ")");
        }
        if (r.checksumAtSeq() == null || !r.checksumAtSeq().equals(st.get("checksum"))) {
            out.println("FAIL checksum at seq " + seq + ": status " + st.get("checksum") + ", journal replay "
                    + r.checksumAtSeq());
            ok = false;
        } else {
            out.println("PASS checksum at seq " + seq + " matches the journal replay (" + r.checksumAtSeq() + ")");
        }
        return ok;
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> m = new HashMap<>();
        for (String tok : line.split(" ")) {
            int eq = tok.indexOf('=');
            if (eq > 0) {
                m.put(tok.substring(0, eq), tok.substring(eq + 1));
            }
        }
        return m;
    }
}
