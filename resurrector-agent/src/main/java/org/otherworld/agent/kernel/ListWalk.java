package org.otherworld.agent.kernel;

import java.util.List;

/**
 * The outcome of walking one kernel list: the entries reached, in list order, and an error message if
 * the walk stopped early (corruption, unreadable memory, cycle, entry limit). Entries before the
 * failure point are kept, so the caller can use them and record the error against the list's owner.
 *
 * @param entries the containing objects reached, in order
 * @param error   null if the list was walked to its end, else a one-line description of what went wrong
 */
public record ListWalk(List<KObject> entries, String error) {
    public ListWalk {
        entries = List.copyOf(entries);
    }

    /** Whether the walk reached the end of the list without any problem. */
    public boolean complete() {
        return error == null;
    }
}
