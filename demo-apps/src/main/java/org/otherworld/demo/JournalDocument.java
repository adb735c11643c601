package org.otherworld.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The document of the {@code journal} demo and its edit journal. Each edit is one journal line
 * {@code SEQ TAB OP TAB ARGS}: {@code A text} appends a line, {@code R index text} replaces one,
 * {@code D index} deletes one (text escaped). Edits are generated deterministically from the
 * sequence number, so the document is bounded in size.
 */
final class JournalDocument {
    static final int MAX_LINES = 100;
    private final List<String> lines = new ArrayList<>();
    private long seq;

    long seq() {
        return seq;
    }

    int lineCount() {
        return lines.size();
    }

    String checksum() {
        return DemoFiles.checksum(String.join("\n", lines));
    }

    /** Makes the next edit, applies it and returns its journal line (without newline). */
    String nextEdit() {
        long s = seq + 1;
        String rec;
        if (lines.size() < 3 || s % 3 == 0) {
            rec = s + "\tA\t" + DemoFiles.escape("line " + s + " written at\tseq " + s);
        } else if (s % 3 == 1 || lines.size() <= MAX_LINES) {
            rec = s + "\tR\t" + (s * 7) % lines.size() + "\t" + DemoFiles.escape("edit " + s);
        } else {
            rec = s + "\tD\t" + (s * 13) % lines.size();
        }
        apply(rec);
        return rec;
    }

    /**
     * Applies one journal line.
     *
     * @throws IllegalArgumentException if the line is malformed, out of sequence or out of range
     */
    void apply(String rec) {
        String[] f = rec.split("\t", 4);
        if (f.length < 3) {
            throw new IllegalArgumentException("malformed journal record: " + rec);
        }
        long s = Long.parseLong(f[0]);
        if (s != seq + 1) {
            throw new IllegalArgumentException("journal record " + s + " follows " + seq);
        }
        switch (f[1]) {
            case "A" -> lines.add(DemoFiles.unescape(f[2]));
            case "R" -> {
                if (f.length < 4) {
                    throw new IllegalArgumentException("R record without text: " + rec);
                }
                lines.set(index(f[2]), DemoFiles.unescape(f[3]));
            }
            case "D" -> lines.remove(index(f[2]));
            default -> throw new IllegalArgumentException("unknown journal op " + f[1] + " in record " + s);
        }
        seq = s;
    }

    private int index(String s) {
        int i = Integer.parseInt(s);
        if (i < 0 || i >= lines.size()) {
            throw new IllegalArgumentException("line index " + i + " out of range 0.." + lines.size());
        }
        return i;
    }

    /**
     * Result of replaying a journal file.
     *
     * @param document      the rebuilt document
     * @param validBytes    length of the well-formed prefix (complete, applicable records)
     * @param tornTail      whether the file ends in an incomplete line
     * @param error         first problem other than a torn tail, or null
     * @param checksumAtSeq checksum right after the record {@code targetSeq}, or null if not reached
     */
    record Replay(JournalDocument document, long validBytes, boolean tornTail, String error, String checksumAtSeq) {
    }

    /** Replays a journal file (missing file = empty document). */
    static Replay replay(Path file, long targetSeq) throws IOException {
        JournalDocument d = new JournalDocument();
        if (!Files.exists(file)) {
            return new Replay(d, 0, false, null, targetSeq == 0 ? d.checksum() : null);
        }
        byte[] raw = Files.readAllBytes(file);
        String text = new String(raw, StandardCharsets.UTF_8);
        String at = targetSeq == 0 ? d.checksum() : null;
        long valid = 0;
        int start = 0;
        String error = null;
        for (int nl; (nl = text.indexOf('\n', start)) >= 0; start = nl + 1) {
            String rec = text.substring(start, nl);
            try {
                d.apply(rec);
            } catch (RuntimeException e) {
                error = file + ": " + e.getMessage();
                break;
            }
            valid += rec.getBytes(StandardCharsets.UTF_8).length + 1;
            if (d.seq() == targetSeq) {
                at = d.checksum();
            }
        }
        boolean torn = error == null && start < text.length();
        return new Replay(d, valid, torn, error, at);
    }
}
