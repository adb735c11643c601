package org.otherworld.agent.net;

import org.otherworld.agent.images.InetSocketImage;

/**
 * What the dead kernel says about one TCP or UDP socket: the socket to restore, or why it cannot be.
 *
 * @param image      the socket as restored, or null
 * @param unrestored why it is not restored (then {@code image} is null), else null
 * @param dropped    out-of-order receive bytes not restored (the peer sends them again), 0 if none
 */
public record InetSocketRead(InetSocketImage image, String unrestored, long dropped) {
    public InetSocketRead {
        if ((image == null) == (unrestored == null)) {
            throw new IllegalArgumentException("exactly one of image and reason");
        }
    }

    /** A socket that is restored. */
    public static InetSocketRead restored(InetSocketImage image, long dropped) {
        return new InetSocketRead(image, null, dropped);
    }

    /** A socket that is not restored, with the reason. */
    public static InetSocketRead unrestored(String reason) {
        return new InetSocketRead(null, reason, 0);
    }
}
