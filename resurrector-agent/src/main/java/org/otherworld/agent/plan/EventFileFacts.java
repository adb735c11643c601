package org.otherworld.agent.plan;

import java.util.List;
import org.otherworld.agent.files.EventObjects;
import org.otherworld.agent.images.FileDetail;

/**
 * What the dead kernel knew about an eventfd, timerfd, signalfd, epoll or inotify descriptor
 * ({@link SocketOracle#eventFile}), as restore needs it.
 *
 * @param detail       the object as it is restored ({@code EventfdImage} ...; for an epoll null: its
 *                     targets are resolved against the process's descriptors, {@link EpollTargets}), or
 *                     null if it cannot be restored
 * @param epoll        for an epoll its registrations as the kernel holds them, else null
 * @param unrestorable why it cannot be restored, or null
 */
public record EventFileFacts(FileDetail detail, List<EventObjects.EpollItem> epoll, String unrestorable) {
    public EventFileFacts {
        if ((detail == null && epoll == null) == (unrestorable == null)) {
            throw new IllegalArgumentException("an event file is either restorable or not (reason), got " + detail
                    + " / " + epoll + " / " + unrestorable);
        }
        epoll = epoll == null ? null : List.copyOf(epoll);
    }

    public static EventFileFacts of(FileDetail detail) {
        return new EventFileFacts(detail, null, null);
    }

    public static EventFileFacts epoll(List<EventObjects.EpollItem> items) {
        return new EventFileFacts(null, items, null);
    }

    public static EventFileFacts unrestorable(String reason) {
        return new EventFileFacts(null, null, reason);
    }
}
