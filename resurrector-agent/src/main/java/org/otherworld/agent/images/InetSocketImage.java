package org.otherworld.agent.images;

import java.util.Arrays;

/**
 * An AF_INET/AF_INET6 socket as CRIU restores it (inet_sk_entry in files.img, file_entry type INETSK):
 * criu creates it, binds it to its local address when it has a port, then listens (TCP_LISTEN),
 * connects (a connected UDP socket) or, for an established TCP connection with {@link #stream()},
 * rebuilds it with TCP repair from {@code tcp-stream-<ino>.img} (criu restore needs
 * {@code --tcp-established} for that).
 *
 * @param ino       the socket's inode number (sockfs; names the tcp-stream image; non-zero, 32 bits)
 * @param family    AF_INET 2 or AF_INET6 10
 * @param type      SOCK_STREAM 1 or SOCK_DGRAM 2
 * @param proto     IPPROTO_TCP 6 or IPPROTO_UDP 17
 * @param state     sk_state (TCP_ESTABLISHED 1, TCP_CLOSE 7, TCP_LISTEN 10)
 * @param srcAddr   local address: the network-order bytes as host-order 32-bit words (1 for IPv4, 4 for IPv6)
 * @param srcPort   local port, host order (0: unbound)
 * @param dstAddr   remote address, same encoding (zeros when unconnected)
 * @param dstPort   remote port, host order (0: unconnected)
 * @param backlog   listen backlog (sk_max_ack_backlog)
 * @param sndbuf    sk_sndbuf (getsockopt value)
 * @param rcvbuf    sk_rcvbuf
 * @param reuseaddr SO_REUSEADDR
 * @param reuseport SO_REUSEPORT
 * @param v6only    IPV6_V6ONLY (AF_INET6 only)
 * @param shutdown  sk_shutdown bits (RCV 1, SEND 2)
 * @param stream    the repair state of an established TCP connection, else null
 */
public record InetSocketImage(long ino, int family, int type, int proto, int state, int[] srcAddr, int srcPort,
                              int[] dstAddr, int dstPort, int backlog, int sndbuf, int rcvbuf, boolean reuseaddr,
                              boolean reuseport, boolean v6only, int shutdown, TcpStreamImage stream) implements FileDetail {
    /** Address families (include/linux/socket.h). */
    public static final int AF_INET = 2, AF_INET6 = 10;
    /** Socket types (include/linux/net.h). */
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2;
    /** Protocols (include/uapi/linux/in.h). */
    public static final int IPPROTO_TCP = 6, IPPROTO_UDP = 17;
    /** sk_state values (include/net/tcp_states.h). */
    public static final int TCP_ESTABLISHED = 1, TCP_CLOSE = 7, TCP_LISTEN = 10;

    public InetSocketImage {
        String what = "inet socket " + ino;
        if (ino <= 0 || ino > 0xffffffffL) {
            throw new IllegalArgumentException(what + ": inode is not a 32-bit non-zero number");
        }
        int words = family == AF_INET ? 1 : family == AF_INET6 ? 4 : -1;
        if (words < 0) {
            throw new IllegalArgumentException(what + ": unsupported family " + family);
        }
        if (srcAddr == null || dstAddr == null || srcAddr.length != words || dstAddr.length != words) {
            throw new IllegalArgumentException(what + ": addresses must have " + words + " words");
        }
        boolean tcp = type == SOCK_STREAM && proto == IPPROTO_TCP;
        boolean udp = type == SOCK_DGRAM && proto == IPPROTO_UDP;
        if (!tcp && !udp) {
            throw new IllegalArgumentException(what + ": unsupported type " + type + " / protocol " + proto);
        }
        if (srcPort < 0 || srcPort > 0xffff || dstPort < 0 || dstPort > 0xffff) {
            throw new IllegalArgumentException(what + ": port out of range");
        }
        if (tcp) {
            if (state == TCP_ESTABLISHED) {
                if (stream == null || dstPort == 0 || srcPort == 0) {
                    throw new IllegalArgumentException(what + ": an established TCP socket needs ports and its stream");
                }
            } else if (state == TCP_LISTEN || state == TCP_CLOSE) {
                if (stream != null || dstPort != 0) {
                    throw new IllegalArgumentException(what + ": a " + (state == TCP_LISTEN ? "listening" : "closed")
                            + " TCP socket has no peer and no stream");
                }
            } else {
                throw new IllegalArgumentException(what + ": TCP state " + state + " is not restored");
            }
        } else if (stream != null || (state != TCP_CLOSE && state != TCP_ESTABLISHED)) {
            throw new IllegalArgumentException(what + ": UDP socket in state " + state);
        }
        srcAddr = srcAddr.clone();
        dstAddr = dstAddr.clone();
    }

    /** Whether this is an established TCP connection (restored with TCP repair). */
    public boolean established() {
        return stream != null;
    }

    /** The name /proc/PID/fd shows for it, "socket:[INO]". */
    public String procName() {
        return "socket:[" + ino + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InetSocketImage s && ino == s.ino && family == s.family && type == s.type
                && proto == s.proto && state == s.state && Arrays.equals(srcAddr, s.srcAddr) && srcPort == s.srcPort
                && Arrays.equals(dstAddr, s.dstAddr) && dstPort == s.dstPort && backlog == s.backlog
                && sndbuf == s.sndbuf && rcvbuf == s.rcvbuf && reuseaddr == s.reuseaddr && reuseport == s.reuseport
                && v6only == s.v6only && shutdown == s.shutdown && java.util.Objects.equals(stream, s.stream);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(ino) * 31 + srcPort;
    }

    @Override
    public String toString() {
        return "inet socket " + ino + " family " + family + " proto " + proto + " state " + state + " " + srcPort
                + "->" + dstPort + (stream == null ? "" : " " + stream);
    }

    /** This socket with {@code t} as its TCP-repair state. */
    public InetSocketImage withStream(TcpStreamImage t) {
        return new InetSocketImage(ino, family, type, proto, state, srcAddr, srcPort, dstAddr, dstPort, backlog, sndbuf,
                rcvbuf, reuseaddr, reuseport, v6only, shutdown, t);
    }
}
