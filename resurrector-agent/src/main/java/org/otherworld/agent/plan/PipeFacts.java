package org.otherworld.agent.plan;

import org.otherworld.agent.images.PipeImage;

/**
 * What the dead kernel knew about the pipe or FIFO behind a descriptor ({@link DeadKernelSockets#pipe}).
 *
 * @param image       the pipe as it is restored (id, capacity, unread bytes), or null if it cannot be
 * @param readers     open read ends in the dead kernel (all processes)
 * @param writers     open write ends in the dead kernel
 * @param unrestorable why it cannot be restored (unreadable ring, packet mode ...), or null
 */
public record PipeFacts(PipeImage image, int readers, int writers, String unrestorable) {
    public PipeFacts {
        if ((image == null) == (unrestorable == null)) {
            throw new IllegalArgumentException("a pipe is either restorable (image) or not (reason), got " + image
                    + " / " + unrestorable);
        }
    }

    /** A pipe that cannot be restored, for {@code reason}. */
    public static PipeFacts unrestorable(String reason) {
        return new PipeFacts(null, 0, 0, reason);
    }
}
