package org.otherworld.sdk;

import java.util.Objects;

/**
 * A resource of the resurrected process that could not be restored.
 *
 * @param fd          file descriptor number in the process, or -1 if it is not a descriptor
 * @param kind        short kind such as {@code tcp}, {@code udp}, {@code unix}, {@code pipe},
 *                    {@code file}, {@code eventfd}
 * @param description human-readable description, e.g. {@code tcp 10.0.0.1:5432 ESTABLISHED}
 * @param reason      why it was not restored
 */
public record UnrestoredResource(int fd, String kind, String description, String reason) {
    /** Validates that all strings are non-null. */
    public UnrestoredResource {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(reason, "reason");
    }
}
