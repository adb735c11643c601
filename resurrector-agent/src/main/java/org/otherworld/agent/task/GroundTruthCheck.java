package org.otherworld.agent.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares a process rendered by {@link ProcessJson#groundTruth(ProcessModel)} with the same process
 * in a live ground-truth file (parsed with {@code org.otherworld.agent.json.Json}), field by field.
 * Each difference is one line naming the pid, the field and both values.
 */
public final class GroundTruthCheck {
    /** Scalar fields compared. */
    public static final List<String> SCALARS = List.of("pid", "ppid", "pgid", "sid", "comm", "state", "start_time");
    /** List fields compared element by element. */
    public static final List<String> LISTS = List.of("threads", "vmas", "fds", "pages");

    private GroundTruthCheck() {
    }

    /** The differences between {@code expected} (ground truth) and {@code actual} (from the vmcore). */
    public static List<String> compare(Map<?, ?> expected, Map<?, ?> actual, List<String> fields) {
        List<String> out = new ArrayList<>();
        Object pid = expected.get("pid");
        for (String f : fields) {
            Object e = expected.get(f);
            Object a = actual.get(f);
            if (e instanceof List<?> el && a instanceof List<?> al) {
                int n = Math.max(el.size(), al.size());
                if (el.size() != al.size()) {
                    out.add("pid " + pid + " " + f + ": " + el.size() + " expected, " + al.size() + " found");
                }
                for (int i = 0; i < n; i++) {
                    Object x = i < el.size() ? el.get(i) : null;
                    Object y = i < al.size() ? al.get(i) : null;
                    if (!Objects.equals(x, y)) {
                        out.add("pid " + pid + " " + f + "[" + i + "]: expected " + x + ", found " + y);
                    }
                }
            } else if (!Objects.equals(e, a)) {
                out.add("pid " + pid + " " + f + ": expected " + e + ", found " + a);
            }
        }
        return out;
    }

    /** All differences, for every ground-truth process (a missing process is one difference). */
    public static List<String> compareAll(List<?> expectedProcesses, List<ProcessModel> models, List<String> fields) {
        List<String> out = new ArrayList<>();
        for (Object o : expectedProcesses) {
            Map<?, ?> e = (Map<?, ?>) o;
            long pid = ((Number) e.get("pid")).longValue();
            ProcessModel m = models.stream().filter(p -> p.pid() == pid).findFirst().orElse(null);
            if (m == null) {
                out.add("pid " + pid + ": not found in the vmcore");
                continue;
            }
            out.addAll(compare(e, ProcessJson.groundTruth(m), fields));
        }
        return out;
    }
}
