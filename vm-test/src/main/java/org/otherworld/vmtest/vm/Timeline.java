package org.otherworld.vmtest.vm;

import java.util.LinkedHashMap;
import java.util.Map;

/** Host-side monotonic timestamps of named events of one run, in milliseconds from its start. */
public final class Timeline {
    private final long t0 = System.nanoTime();
    private final Map<String, Long> events = new LinkedHashMap<>();

    public synchronized long mark(String event) {
        long ms = (System.nanoTime() - t0) / 1_000_000;
        events.put(event, ms);
        return ms;
    }

    public synchronized Long at(String event) {
        return events.get(event);
    }

    /** Milliseconds between two marked events, or null if either was not seen. */
    public synchronized Long between(String from, String to) {
        Long a = events.get(from);
        Long b = events.get(to);
        return a == null || b == null ? null : b - a;
    }

    public synchronized Map<String, Long> events() {
        return new LinkedHashMap<>(events);
    }
}
