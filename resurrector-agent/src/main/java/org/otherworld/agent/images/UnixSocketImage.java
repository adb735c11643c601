package org.otherworld.agent.images;

/**
 * A stateless AF_UNIX socket (unix_sk_entry in files.img, file_entry type UNIXSK): unbound, with no
 * peer in the image and nothing queued. CRIU restores it as a fresh socket of the same type; with
 * {@code state} {@link #TCP_ESTABLISHED} and {@code shutdown} {@link #SHUTDOWN_BOTH} (a stream socket
 * whose peer has gone, "semi-closed" in criu/sk-unix.c) as one end of a socketpair whose other end
 * criu closes, shut down both ways.
 *
 * @param ino      the socket's inode number (sockfs i_ino; links peers in CRIU, must not be 0)
 * @param type     SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5
 * @param state    sk_state: {@link #TCP_CLOSE} (unconnected) or {@link #TCP_ESTABLISHED}
 * @param shutdown sk_shutdown bits (RCV_SHUTDOWN 1, SEND_SHUTDOWN 2; same values as CRIU's sk_shutdown)
 * @param backlog  sk_max_ack_backlog
 * @param sndbuf   sk_sndbuf (as getsockopt(SO_SNDBUF) returns it; criu halves it for setsockopt)
 * @param rcvbuf   sk_rcvbuf
 */
public record UnixSocketImage(long ino, int type, int state, int shutdown, int backlog, int sndbuf, int rcvbuf) {
    /** sk_state values (include/net/tcp_states.h; AF_UNIX uses them too). */
    public static final int TCP_ESTABLISHED = 1, TCP_CLOSE = 7;
    /** RCV_SHUTDOWN | SEND_SHUTDOWN (include/net/sock.h). */
    public static final int SHUTDOWN_BOTH = 3;
    /** SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET (include/linux/net.h). */
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5;

    public UnixSocketImage {
        if (ino <= 0 || ino > 0xffffffffL) {
            throw new IllegalArgumentException("unix socket inode " + ino + " is not a 32-bit non-zero number");
        }
        if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET) {
            throw new IllegalArgumentException("unix socket " + ino + ": unsupported type " + type);
        }
        if (state != TCP_CLOSE && state != TCP_ESTABLISHED) {
            throw new IllegalArgumentException("unix socket " + ino + ": state " + state + " is not stateless");
        }
        if (state == TCP_ESTABLISHED && type != SOCK_DGRAM && shutdown != SHUTDOWN_BOTH) {
            throw new IllegalArgumentException("unix socket " + ino + ": a connected stream socket without a peer "
                    + "must be shut down both ways (criu: \"Wrong shutdown/peer state\")");
        }
    }

    /** The name /proc/PID/fd shows for it, "socket:[INO]". */
    public String procName() {
        return "socket:[" + ino + "]";
    }
}
