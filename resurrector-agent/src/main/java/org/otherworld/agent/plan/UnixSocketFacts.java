package org.otherworld.agent.plan;

import org.otherworld.agent.images.UnixSocketImage;

/**
 * What decides whether an AF_UNIX socket of a dead process carries state worth keeping, read from its
 * {@code struct unix_sock} ({@link DeadKernelSockets}).
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
 */
public record UnixSocketFacts(long ino, int type, int state, int shutdown, int receiveQueue, int backlog, int sndbuf,
                              int rcvbuf, boolean bound, Peer peer, boolean defaultTimeouts) {
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

    /**
     * Why this socket carries state and cannot be restored as a fresh one, or null if it is stateless:
     * unbound, not listening, nothing queued, default timeouts, and either unconnected or connected to a
     * peer that is gone (a stream socket then must have been shut down both ways by the peer's close,
     * as unix_release_sock() does).
     */
    public String whyStateful() {
        if (type != UnixSocketImage.SOCK_STREAM && type != UnixSocketImage.SOCK_DGRAM
                && type != UnixSocketImage.SOCK_SEQPACKET) {
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

    /**
     * The socket as it is restored (only for a stateless one): unconnected sockets and datagram sockets
     * whose peer is gone as a fresh unconnected socket; a stream socket whose peer is gone as an
     * established socket without peer, shut down both ways (criu restores that as a socketpair end whose
     * other end it closes: reads return end of file, writes EPIPE, as before the crash).
     */
    public UnixSocketImage image() {
        if (whyStateful() != null) {
            throw new IllegalStateException("unix socket " + ino + " is not stateless: " + whyStateful());
        }
        boolean semiClosed = peer == Peer.GONE && type != UnixSocketImage.SOCK_DGRAM;
        int st = semiClosed ? UnixSocketImage.TCP_ESTABLISHED : UnixSocketImage.TCP_CLOSE;
        int sh = semiClosed ? UnixSocketImage.SHUTDOWN_BOTH : shutdown & UnixSocketImage.SHUTDOWN_BOTH;
        return new UnixSocketImage(ino, type, st, sh, 0, sndbuf, rcvbuf); // backlog only matters for listen()
    }
}
