package org.otherworld.agent.restore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The order in which image sets are restored: a set whose root's parent belongs to another set comes
 * after that set (parents before children); otherwise by the root's start time, then pid (older first,
 * as the processes were started).
 */
public final class RestoreOrder {
    private RestoreOrder() {
    }

    /** {@code sets} in restore order. */
    public static List<ImageSetEntry> order(List<ImageSetEntry> sets) {
        List<ImageSetEntry> todo = new ArrayList<>(sets);
        todo.sort(Comparator.comparingLong(ImageSetEntry::startTicks).thenComparingInt(ImageSetEntry::root));
        List<ImageSetEntry> out = new ArrayList<>();
        while (!todo.isEmpty()) {
            ImageSetEntry next = null;
            for (ImageSetEntry s : todo) {
                boolean parentPending = todo.stream().anyMatch(o -> o != s && o.contains(s.parent()));
                if (!parentPending) {
                    next = s;
                    break;
                }
            }
            if (next == null) {
                next = todo.get(0); // a cycle (corrupt manifests): fall back to start order
            }
            todo.remove(next);
            out.add(next);
        }
        return out;
    }
}
