package org.otherworld.demo;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The file in which a demo client records what the server acknowledged: one line per
 * acknowledgement, two tab-separated escaped fields (e.g. key and value), flushed per line.
 */
final class AckLog implements AutoCloseable {
    private final Writer out;

    AckLog(Path file) throws IOException {
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    void record(String a, String b) throws IOException {
        out.write(DemoFiles.escape(a) + "\t" + DemoFiles.escape(b) + "\n");
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** Reads complete lines; a torn last line (no newline) is ignored. */
    static List<String[]> read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String[]> out = new ArrayList<>();
        int start = 0;
        for (int nl; (nl = text.indexOf('\n', start)) >= 0; start = nl + 1) {
            String line = text.substring(start, nl);
            int tab = line.indexOf('\t');
            if (tab < 0) {
                throw new IOException(file + ": line without tab: " + line);
            }
            out.add(new String[] {DemoFiles.unescape(line.substring(0, tab)), DemoFiles.unescape(line.substring(tab + 1))});
        }
        return out;
    }
}
