package org.otherworld.vmtest.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The guest's own clock readings: the {@code OW-MAIN <event> k=v ... uptime=S} and {@code OW-CRASH ...}
 * lines its init scripts print (S is /proc/uptime of the kernel that printed it), grouped into one
 * {@link Boot} per kernel (a new one starts at each {@code kernel-up}).
 */
public final class Markers {
    static final Pattern LINE = Pattern.compile("OW-(MAIN|CRASH) (\\S+)((?: [A-Za-z_]+=\\S*)*) uptime=(\\d+(?:\\.\\d+)?)");
    private static final Pattern ATTR = Pattern.compile(" ([A-Za-z_]+)=(\\S*)");

    private Markers() {
    }

    /** One marker: seconds since its kernel booted, and its key=value attributes. */
    public record Marker(double uptime, Map<String, String> attrs) {
    }

    /** The markers of one kernel ("MAIN" or "CRASH"), first occurrence of each event. */
    public record Boot(String kind, Map<String, Marker> events) {
        public Double uptime(String event) {
            Marker m = events.get(event);
            return m == null ? null : m.uptime();
        }

        public String attr(String event, String key) {
            Marker m = events.get(event);
            return m == null ? null : m.attrs().get(key);
        }

        /** Milliseconds between two events of this kernel, or null if either is missing. */
        public Long ms(String from, String to) {
            Double a = uptime(from);
            Double b = uptime(to);
            return a == null || b == null ? null : Math.round((b - a) * 1000);
        }
    }

    public static List<Boot> parse(String console) {
        List<Boot> boots = new ArrayList<>();
        Matcher m = LINE.matcher(console);
        Boot cur = null;
        while (m.find()) {
            String kind = m.group(1);
            String event = m.group(2);
            if (event.equals("kernel-up") || cur == null || !cur.kind().equals(kind)) {
                cur = new Boot(kind, new LinkedHashMap<>());
                boots.add(cur);
            }
            Map<String, String> attrs = new LinkedHashMap<>();
            Matcher a = ATTR.matcher(m.group(3));
            while (a.find()) {
                attrs.put(a.group(1), a.group(2));
            }
            cur.events().putIfAbsent(event, new Marker(Double.parseDouble(m.group(4)), attrs));
        }
        return boots;
    }

    /** The n-th (0-based) kernel of the given kind, or null. */
    /** The last boot of {@code kind}, or null. */
    public static Boot last(List<Boot> boots, String kind) {
        Boot last = null;
        for (Boot b : boots) {
            if (b.kind().equals(kind)) {
                last = b;
            }
        }
        return last;
    }

    public static Boot nth(List<Boot> boots, String kind, int n) {
        int i = 0;
        for (Boot b : boots) {
            if (b.kind().equals(kind) && i++ == n) {
                return b;
            }
        }
        return null;
    }
}
