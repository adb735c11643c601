package org.otherworld.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The in-memory data of the {@code kvstore} demo: a sorted map plus the count of acknowledged
 * writes. Snapshots are durable text files (header line, then escaped {@code key TAB value} lines).
 */
final class KvStore {
    static final String SNAPSHOT = "kvstore.snapshot";
    private static final String HEADER = "kvstore-snapshot v1";
    private final TreeMap<String, String> data = new TreeMap<>();
    private long acked;

    synchronized void put(String key, String value) {
        data.put(key, value);
        acked++;
    }

    synchronized String get(String key) {
        return data.get(key);
    }

    synchronized int size() {
        return data.size();
    }

    synchronized long acked() {
        return acked;
    }

    /** Checksum over the sorted entries ({@code key TAB value NL}, escaped). */
    synchronized String checksum() {
        return DemoFiles.checksum(canonical());
    }

    private String canonical() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : data.entrySet()) {
            b.append(DemoFiles.escape(e.getKey())).append('\t').append(DemoFiles.escape(e.getValue())).append('\n');
        }
        return b.toString();
    }

    synchronized void save(Path file) throws IOException {
        String body = canonical();
        DemoFiles.writeAtomically(file, HEADER + " acked=" + acked + " keys=" + data.size()
                + " checksum=" + DemoFiles.checksum(body) + "\n" + body);
    }

    /** Loads a snapshot, verifying its checksum; returns the number of keys. */
    synchronized int load(Path f) throws IOException {
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).startsWith(HEADER + " ")) {
            throw new IOException(f + ": not a kvstore snapshot");
        }
        Map<String, String> head = headerFields(lines.get(0));
        TreeMap<String, String> loaded = new TreeMap<>();
        for (int i = 1; i < lines.size(); i++) {
            int tab = lines.get(i).indexOf('\t');
            if (tab < 0) {
                throw new IOException(f + " line " + (i + 1) + ": missing tab");
            }
            loaded.put(DemoFiles.unescape(lines.get(i).substring(0, tab)),
                    DemoFiles.unescape(lines.get(i).substring(tab + 1)));
        }
        data.clear();
        data.putAll(loaded);
        if (!checksum().equals(head.get("checksum"))) {
            data.clear();
            throw new IOException(f + ": checksum mismatch");
        }
        acked = Long.parseLong(head.getOrDefault("acked", "0"));
        return data.size();
    }

    private static Map<String, String> headerFields(String line) {
        Map<String, String> m = new TreeMap<>();
        for (String tok : line.split(" ")) {
            int eq = tok.indexOf('=');
            if (eq > 0) {
                m.put(tok.substring(0, eq), tok.substring(eq + 1));
            }
        }
        return m;
    }
}
