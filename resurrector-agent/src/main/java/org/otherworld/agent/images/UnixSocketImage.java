package org.otherworld.agent.images;

import java.util.List;

/**
 * An AF_UNIX socket (unix_sk_entry in files.img, file_entry type UNIXSK) with its name, its peer and
 * the messages queued for it (sk-queues.img).
 *
 * <ul>
 * <li>unconnected ({@link #TCP_CLOSE}, no peer): criu restores it by socket() (and bind() when named);</li>
 * <li>{@link #TCP_LISTEN}: socket(), bind() to {@code name} (criu first unlinks a stale socket file
 *     of that path), listen({@code backlog});</li>
 * <li>{@link #TCP_ESTABLISHED} with a {@code peer} in the same image set: criu creates both ends with
 *     socketpair() (bind is skipped for a connected stream socket);</li>
 * <li>{@link #TCP_ESTABLISHED} without peer (a stream socket whose peer had gone, "semi-closed" in
 *     criu/sk-unix.c): one end of a socketpair whose other end criu closes after putting the queued
 *     messages in; it must be shut down both ways.</li>
 * </ul>
 *
 * @param ino      the socket's inode number (sockfs i_ino; links peers in CRIU, must not be 0)
 * @param type     SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5
 * @param state    sk_state: {@link #TCP_CLOSE}, {@link #TCP_ESTABLISHED} or {@link #TCP_LISTEN}
 * @param shutdown sk_shutdown bits (RCV_SHUTDOWN 1, SEND_SHUTDOWN 2; same values as CRIU's sk_shutdown)
 * @param backlog  sk_max_ack_backlog
 * @param sndbuf   sk_sndbuf (as getsockopt(SO_SNDBUF) returns it; criu halves it for setsockopt)
 * @param rcvbuf   sk_rcvbuf
 * @param peer     the peer socket's inode number, 0 for none
 * @param name     the bound address as the kernel keeps it (sun_path bytes; a leading 0 byte for an
 *                 abstract name; a path name includes its terminating 0), empty if unbound
 * @param passcred SO_PASSCRED set
 * @param queue    the messages in its receive queue, oldest first (for a stream socket the unread part
 *                 of each buffer)
 */
public record UnixSocketImage(long ino, int type, int state, int shutdown, int backlog, int sndbuf, int rcvbuf,
                              long peer, byte[] name, boolean passcred, List<byte[]> queue) implements FileDetail {
    /** sk_state values (include/net/tcp_states.h; AF_UNIX uses them too). */
    public static final int TCP_ESTABLISHED = 1, TCP_CLOSE = 7, TCP_LISTEN = 10;
    /** RCV_SHUTDOWN | SEND_SHUTDOWN (include/net/sock.h). */
    public static final int SHUTDOWN_BOTH = 3;
    /** SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET (include/linux/net.h). */
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5;
    /** sizeof(sockaddr_un.sun_path) (include/uapi/linux/un.h). */
    public static final int UNIX_PATH_MAX = 108;

    public UnixSocketImage {
        if (ino <= 0 || ino > 0xffffffffL) {
            throw new IllegalArgumentException("unix socket inode " + ino + " is not a 32-bit non-zero number");
        }
        if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET) {
            throw new IllegalArgumentException("unix socket " + ino + ": unsupported type " + type);
        }
        if (state != TCP_CLOSE && state != TCP_ESTABLISHED && state != TCP_LISTEN) {
            throw new IllegalArgumentException("unix socket " + ino + ": state " + state + " is not restorable");
        }
        if (peer < 0 || peer > 0xffffffffL) {
            throw new IllegalArgumentException("unix socket " + ino + ": peer inode " + peer);
        }
        if (state == TCP_ESTABLISHED && type != SOCK_DGRAM && peer == 0 && shutdown != SHUTDOWN_BOTH) {
            throw new IllegalArgumentException("unix socket " + ino + ": a connected stream socket without a peer "
                    + "must be shut down both ways (criu: \"Wrong shutdown/peer state\")");
        }
        if (state == TCP_LISTEN && (name == null || name.length == 0)) {
            throw new IllegalArgumentException("unix socket " + ino + ": a listening socket needs a name");
        }
        name = name == null ? new byte[0] : name;
        if (name.length > UNIX_PATH_MAX) {
            throw new IllegalArgumentException("unix socket " + ino + ": name of " + name.length + " bytes");
        }
        queue = queue == null ? List.of() : List.copyOf(queue);
    }

    /** A socket without name, peer or queue (the stateless kind). */
    public UnixSocketImage(long ino, int type, int state, int shutdown, int backlog, int sndbuf, int rcvbuf) {
        this(ino, type, state, shutdown, backlog, sndbuf, rcvbuf, 0, new byte[0], false, List.of());
    }

    /** The name /proc/PID/fd shows for it, "socket:[INO]". */
    public String procName() {
        return "socket:[" + ino + "]";
    }

    /** Queued bytes in all messages. */
    public long queuedBytes() {
        return queue.stream().mapToLong(b -> b.length).sum();
    }
}
