package org.otherworld.agent.plan;

/**
 * A resource of a dead process that the resurrection does not bring back, as the crash-procedure report
 * lists it (docs/sdk.md, {@code resource=} lines).
 *
 * @param fd          the descriptor, or -1 for a resource that is not a descriptor (a memory mapping)
 * @param kind        one of the report kinds: tcp, udp, unix, netlink, pipe, fifo, file, eventfd, epoll,
 *                    signalfd, timerfd, inotify, device, other
 * @param description what it was, e.g. {@code tcp 10.0.0.1:5432 -> 10.0.0.2:40000 ESTABLISHED}
 * @param reason      why it is not restored
 */
public record UnrestoredResource(int fd, String kind, String description, String reason) {
}
