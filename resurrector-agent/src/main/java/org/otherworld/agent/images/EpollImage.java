package org.otherworld.agent.images;

import java.util.List;

/**
 * An epoll instance as restore rebuilds it (eventpoll_file_entry with its eventpoll_tfd_entry list):
 * criu 3.17 creates it with {@code epoll_create(1)} and, once every target descriptor of the process is
 * restored, adds each with {@code epoll_ctl(EPOLL_CTL_ADD, fd, {events, data})}. Every target must be a
 * descriptor restored in the same process (else epoll_ctl fails with EBADF and the restore with it).
 *
 * @param targets the registrations
 */
public record EpollImage(List<Target> targets) implements FileDetail {
    /**
     * One registration.
     *
     * @param fd     the target's descriptor number in the process holding the epoll
     * @param events the event mask (EPOLLIN ... EPOLLET, EPOLLONESHOT)
     * @param data   the cookie epoll_wait returns
     */
    public record Target(int fd, int events, long data) {
        public Target {
            if (fd < 0) {
                throw new IllegalArgumentException("epoll target fd " + fd + " is negative");
            }
        }
    }

    public EpollImage {
        targets = List.copyOf(targets);
    }
}
