package org.otherworld.agent.plan;

import org.otherworld.agent.images.TtyImage;

/**
 * What the dead kernel knew about the pty end behind a descriptor ({@link DeadKernelSockets#tty}).
 *
 * @param image        the end as it is restored (pair settings, session, bytes readable at it), or null
 * @param unrestorable why the pair cannot be restored (not a Unix98 pty, read inconsistently ...), or null
 */
public record TtyFacts(TtyImage image, String unrestorable) {
    public TtyFacts {
        if ((image == null) == (unrestorable == null)) {
            throw new IllegalArgumentException("a pty end is either restorable (image) or not (reason), got " + image
                    + " / " + unrestorable);
        }
    }

    /** An end that cannot be restored, for {@code reason}. */
    public static TtyFacts unrestorable(String reason) {
        return new TtyFacts(null, reason);
    }
}
