package org.otherworld.agent.plan;

import java.util.List;
import org.otherworld.agent.images.UnixSocketImage;

/**
 * What the dead kernel knew about an AF_UNIX socket, read from its {@code struct unix_sock}
 * ({@link DeadKernelSockets}): enough to tell whether it is stateless, and if not, its name, peer and
 * queued messages so that it can be restored with them.
 *
 * @param ino             the socket inode number (sockfs)
 * @param type            sk_type
 * @param state           sk_state (TCP_CLOSE 7 unconnected, TCP_ESTABLISHED 1 connected, TCP_LISTEN 10)
 * @param shutdown        sk_shutdown (RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2)
 * @param receiveQueue    sk_receive_queue.qlen (queued messages or pending connections)
 * @param backlog         sk_max_ack_backlog
 * @param sndbuf          sk_sndbuf
 * @param rcvbuf          sk_rcvbuf
 * @param bound           whether it has an address (unix_sock.addr)
 * @param peer            what its peer is
 * @param defaultTimeouts whether sk_sndtimeo and sk_rcvtimeo are MAX_SCHEDULE_TIMEOUT (no SO_*TIMEO set)
 * @param peerIno         the inode number of a {@link Peer#LIVE} peer socket, else 0
 * @param name            the address bytes (unix_address.name sun_path, addr->len - 2 bytes), or null
 * @param passcred        SO_PASSCRED set (SOCK_PASSCRED in socket->flags)
 * @param queue           the receive queue's messages (unread bytes of each), or null if not read
 * @param queueProblem    why the queue cannot be restored (file descriptors in flight, paged data,
 *                        unreadable), or null
 */
public record UnixSocketFacts(long ino, int type, int state, int shutdown, int receiveQueue, int backlog, int sndbuf,
                              int rcvbuf, boolean bound, Peer peer, boolean defaultTimeouts, long peerIno, byte[] name,
                              boolean passcred, List<byte[]> queue, String queueProblem) {
    /** TCP_LISTEN (include/net/tcp_states.h). */
    public static final int TCP_LISTEN = 10;

    /** The peer of a socket. */
    public enum Peer {
        /** unix_sock.peer is NULL. */
        NONE,
        /** The peer socket was closed: orphaned (no sk_socket) or SOCK_DEAD; it no longer exists for anyone. */
        GONE,
        /** The peer is still held open by some process. */
        LIVE
    }

    /** Facts without name, peer inode and queue contents (enough for the stateless decision). */
    public UnixSocketFacts(long ino, int type, int state, int shutdown, int receiveQueue, int backlog, int sndbuf,
                           int rcvbuf, boolean bound, Peer peer, boolean defaultTimeouts) {
        this(ino, type, state, shutdown, receiveQueue, backlog, sndbuf, rcvbuf, bound, peer, defaultTimeouts, 0, null,
                false, null, null);
    }

    /**
     * Why this socket carries state and cannot be restored as a fresh one, or null if it is stateless:
     * unbound, not listening, nothing queued, default timeouts, and either unconnected or connected to a
     * peer that is gone (a stream socket then must have been shut down both ways by the peer's close,
     * as unix_release_sock() does).
     */
    public String whyStateful() {
        if (!supportedType()) {
            return "socket type " + type + " is not restored";
        }
        if (state == TCP_LISTEN) {
            return "listening sockets are not restored";
        }
        if (bound) {
            return "bound sockets are not restored";
        }
        if (receiveQueue != 0) {
            return receiveQueue + " queued message" + (receiveQueue == 1 ? "" : "s") + " would be lost";
        }
        if (!defaultTimeouts) {
            return "sockets with SO_SNDTIMEO/SO_RCVTIMEO are not restored";
        }
        switch (peer) {
            case LIVE:
                return "connected to a live peer";
            case NONE:
                return state == UnixSocketImage.TCP_CLOSE ? null : "connected (state " + state + ") without a peer";
            default: // GONE
                if (type != UnixSocketImage.SOCK_DGRAM && shutdown != UnixSocketImage.SHUTDOWN_BOTH) {
                    return "peer closed but the socket is not shut down both ways";
                }
                return null;
        }
    }

    private boolean supportedType() {
        return type == UnixSocketImage.SOCK_STREAM || type == UnixSocketImage.SOCK_DGRAM
                || type == UnixSocketImage.SOCK_SEQPACKET;
    }

    /**
     * Why this socket cannot be restored at all, or null if it can: stateless ones always; stateful ones
     * with their name, peer (which must then be restored in the same image set: the planner checks that)
     * and queue. Not restored: other types, SO_*TIMEO, a listening socket with connections not yet
     * accepted, a relative path name, a queue with file descriptors in flight or unreadable, a socket
     * in another state (connecting).
     */
    public String whyUnrestorable() {
        String stateless = whyStateful();
        if (stateless == null) {
            return null;
        }
        if (!supportedType()) {
            return stateless;
        }
        if (!defaultTimeouts) {
            return "sockets with SO_SNDTIMEO/SO_RCVTIMEO are not restored";
        }
        if (bound && (name == null || name.length == 0)) {
            return "the socket's name could not be read";
        }
        if (bound && name[0] != 0 && name[0] != '/') {
            return "bound to the relative path \"" + printable(name) + "\" (its directory is not known)";
        }
        if (state == TCP_LISTEN) {
            return receiveQueue == 0 ? null : receiveQueue + " connection" + (receiveQueue == 1 ? "" : "s")
                    + " not yet accepted would be lost";
        }
        if (receiveQueue != 0 && (queue == null || queueProblem != null)) {
            return queueProblem != null ? queueProblem : "its " + receiveQueue + " queued messages could not be read";
        }
        if (state != UnixSocketImage.TCP_ESTABLISHED && state != UnixSocketImage.TCP_CLOSE) {
            return "state " + state + " is not restored";
        }
        switch (peer) {
            case LIVE:
                return peerIno == 0 ? "its peer's inode could not be read" : null;
            case NONE:
                return state == UnixSocketImage.TCP_CLOSE || type == UnixSocketImage.SOCK_DGRAM ? null
                        : "connected (state " + state + ") without a peer";
            default: // GONE
                if (type != UnixSocketImage.SOCK_DGRAM && shutdown != UnixSocketImage.SHUTDOWN_BOTH) {
                    return "peer closed but the socket is not shut down both ways";
                }
                return null;
        }
    }

    /**
     * The socket as it is restored. Stateless ones: unconnected sockets and datagram sockets whose peer is
     * gone as a fresh unconnected socket; a stream socket whose peer is gone as an established socket
     * without peer, shut down both ways (criu restores that as a socketpair end whose other end it
     * closes: reads return end of file, writes EPIPE, as before the crash). Stateful ones additionally
     * keep their name, live peer, SO_PASSCRED and queued messages.
     */
    public UnixSocketImage image() {
        String why = whyUnrestorable();
        if (why != null) {
            throw new IllegalStateException("unix socket " + ino + " cannot be restored: " + why);
        }
        if (whyStateful() == null) {
            boolean semiClosed = peer == Peer.GONE && type != UnixSocketImage.SOCK_DGRAM;
            int st = semiClosed ? UnixSocketImage.TCP_ESTABLISHED : UnixSocketImage.TCP_CLOSE;
            int sh = semiClosed ? UnixSocketImage.SHUTDOWN_BOTH : shutdown & UnixSocketImage.SHUTDOWN_BOTH;
            return new UnixSocketImage(ino, type, st, sh, 0, sndbuf, rcvbuf, 0, new byte[0], passcred, List.of());
        }
        boolean gone = peer == Peer.GONE;
        int st = state;
        if (gone && type == UnixSocketImage.SOCK_DGRAM) {
            st = UnixSocketImage.TCP_CLOSE; // a datagram socket whose peer closed comes back unconnected
        }
        return new UnixSocketImage(ino, type, st, shutdown & UnixSocketImage.SHUTDOWN_BOTH,
                state == TCP_LISTEN ? backlog : 0, sndbuf, rcvbuf, peer == Peer.LIVE ? peerIno : 0,
                bound ? name : new byte[0], passcred, queue == null ? List.of() : queue);
    }

    /** The name for messages: a path, or "@" plus an abstract name. */
    static String printable(byte[] name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length; i++) {
            int c = name[i] & 0xff;
            if (c == 0) {
                if (i == 0) {
                    sb.append('@');
                }
                continue;
            }
            sb.append(c >= 32 && c < 127 ? (char) c : '?');
        }
        return sb.toString();
    }
}
