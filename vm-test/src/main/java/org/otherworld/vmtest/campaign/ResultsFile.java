package org.otherworld.vmtest.campaign;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.otherworld.agent.json.Json;

/**
 * {@code results.jsonl}: one JSON object per finished run, appended as a single line, so a campaign
 * can be stopped at any time and resumed (a rerun skips the run ids already in the file). A line that
 * does not parse (a run cut off while its line was written) is ignored, and that run is done again.
 */
public final class ResultsFile {
    private final Path file;

    public ResultsFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    /** Every complete record, in file order; for a run id recorded twice, both (see {@link #latest}). */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> read() {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    Object o = Json.parse(line);
                    if (o instanceof Map<?, ?> m && m.get("run_id") instanceof String) {
                        out.add((Map<String, Object>) m);
                    }
                } catch (IllegalArgumentException partial) {
                    // an interrupted append: that run is simply not finished
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    /** The last record of each run id, in order of first appearance. */
    public List<Map<String, Object>> latest() {
        Map<String, Map<String, Object>> byId = new java.util.LinkedHashMap<>();
        for (Map<String, Object> r : read()) {
            byId.put((String) r.get("run_id"), r);
        }
        return new ArrayList<>(byId.values());
    }

    /** The run ids already finished. */
    public Set<String> finishedIds() {
        Set<String> ids = new LinkedHashSet<>();
        for (Map<String, Object> r : read()) {
            ids.add((String) r.get("run_id"));
        }
        return ids;
    }

    /** Appends one record as one line (whole, or after a newline if the file ends in a partial line). */
    public synchronized void append(Map<String, Object> record) {
        if (!(record.get("run_id") instanceof String)) {
            throw new IllegalArgumentException("a result record needs a run_id");
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            String prefix = "";
            if (Files.isRegularFile(file) && Files.size(file) > 0) {
                byte[] all = Files.readAllBytes(file);
                prefix = all[all.length - 1] == '\n' ? "" : "\n";
            }
            Files.writeString(file, prefix + Json.writeCompact(record) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.DSYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }
}
