package org.otherworld.sdk;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the restorer tells the application after a resurrection.
 *
 * @param pid                 the process id (unchanged by the resurrection)
 * @param crashTime           when the kernel panicked (as recorded by the crash kernel)
 * @param downtime            time between the panic and the restore
 * @param panicMessage        the panic message of the dead kernel (may be empty)
 * @param wasFaultyProcess    true if this process was running on the CPU that panicked (it may have
 *                            triggered the crash)
 * @param unrestoredResources resources that could not be restored (unmodifiable)
 */
public record ResurrectionReport(long pid, Instant crashTime, Duration downtime, String panicMessage,
                                 boolean wasFaultyProcess, List<UnrestoredResource> unrestoredResources) {
    /** Validates the components and copies the resource list. */
    public ResurrectionReport {
        Objects.requireNonNull(crashTime, "crashTime");
        Objects.requireNonNull(downtime, "downtime");
        Objects.requireNonNull(panicMessage, "panicMessage");
        unrestoredResources = List.copyOf(unrestoredResources);
    }

    /**
     * Whether every resource was restored.
     *
     * @return true if {@link #unrestoredResources()} is empty
     */
    public boolean fullyRestored() {
        return unrestoredResources.isEmpty();
    }
}
