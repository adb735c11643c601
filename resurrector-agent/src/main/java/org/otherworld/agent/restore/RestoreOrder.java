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
            int next = 0; // a cycle (corrupt manifests) falls back to start order
            for (int i = 0; i < todo.size(); i++) {
                ImageSetEntry s = todo.get(i);
                boolean parentPending = todo.stream().anyMatch(o -> o != s && o.contains(s.parent()));
                if (!parentPending) {
                    next = i;
                    break;
                }
            }
            // by position, not equals(): a record's equals is linked through method handles at its first
            // call, which cost 0.1-0.3 s of the crash kernel's emulated CPU for nothing
            out.add(todo.remove(next));
        }
        return out;
    }
}
