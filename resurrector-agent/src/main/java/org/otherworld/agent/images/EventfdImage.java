package org.otherworld.agent.images;

/**
 * An eventfd as restore rebuilds it (eventfd_file_entry): criu 3.17 calls {@code eventfd(counter, 0)},
 * whose initial value is an {@code unsigned int}, and cannot set EFD_SEMAPHORE; the planner restores only
 * eventfds that fit.
 *
 * @param counter the counter value (0 .. 0xffffffff)
 */
public record EventfdImage(long counter) implements FileDetail {
    /** Largest counter criu's eventfd(unsigned int initval, ...) can restore. */
    public static final long MAX_COUNTER = 0xffffffffL;

    public EventfdImage {
        if (counter < 0 || counter > MAX_COUNTER) {
            throw new IllegalArgumentException("eventfd counter " + Long.toUnsignedString(counter)
                    + " does not fit criu's eventfd(unsigned int initval)");
        }
    }
}
