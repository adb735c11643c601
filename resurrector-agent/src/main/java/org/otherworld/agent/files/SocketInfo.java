package org.otherworld.agent.files;

/**
 * The state of a socket behind an open file, from {@code struct socket} and its {@code struct sock}.
 *
 * @param family     sk_family (AF_INET 2, AF_INET6 10, AF_UNIX 1 ...)
 * @param type       sk_type (SOCK_STREAM 1, SOCK_DGRAM 2 ...)
 * @param protocol   sk_protocol (IPPROTO_TCP 6, IPPROTO_UDP 17 ...)
 * @param state      sk_state (TCP_ESTABLISHED 1 ... TCP_LISTEN 10; unix sockets use the same values)
 * @param localAddr  local address text (IPv4 dotted, IPv6 as Java formats it), or null
 * @param localPort  local port (host order), or -1
 * @param remoteAddr remote address text, or null; for a connected AF_UNIX socket the peer's bound
 *                   path or "(unbound)"
 * @param remotePort remote port, or -1
 * @param unixPath   for AF_UNIX: the bound path ("@name" for abstract), or null if unbound
 * @param sock       address of the struct sock (0 if none)
 */
public record SocketInfo(int family, int type, int protocol, int state, String localAddr, int localPort,
                         String remoteAddr, int remotePort, String unixPath, long sock) {
    /** AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET (include/linux/socket.h). */
    public static final int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;
    /** SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET (include/linux/net.h). */
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_SEQPACKET = 5;
    /** IPPROTO_TCP, IPPROTO_UDP (include/uapi/linux/in.h). */
    public static final int IPPROTO_TCP = 6, IPPROTO_UDP = 17;

    /** TCP state names indexed by value (include/net/tcp_states.h). */
    private static final String[] TCP_STATES = {"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
        "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"};

    /** The name of TCP state {@code s}, e.g. "ESTABLISHED". */
    public static String stateName(int s) {
        return s >= 0 && s < TCP_STATES.length ? TCP_STATES[s] : "STATE_" + s;
    }

    /** "tcp", "udp", "tcp6", "unix", "netlink" ... */
    public String protocolName() {
        switch (family) {
            case AF_INET:
            case AF_INET6: {
                String v6 = family == AF_INET6 ? "6" : "";
                if (protocol == IPPROTO_TCP) {
                    return "tcp" + v6;
                }
                if (protocol == IPPROTO_UDP) {
                    return "udp" + v6;
                }
                return (type == SOCK_RAW ? "raw" : "inet") + v6;
            }
            case AF_UNIX: return "unix";
            case AF_NETLINK: return "netlink";
            case AF_PACKET: return "packet";
            default: return "af" + family;
        }
    }

    /** "stream", "dgram", "seqpacket", "raw" or "type N". */
    public String typeName() {
        switch (type) {
            case SOCK_STREAM: return "stream";
            case SOCK_DGRAM: return "dgram";
            case SOCK_RAW: return "raw";
            case SOCK_SEQPACKET: return "seqpacket";
            default: return "type " + type;
        }
    }

    /**
     * A human description: "tcp 10.0.0.1:5432 -&gt; 10.0.0.2:40000 ESTABLISHED", "tcp 0.0.0.0:80 LISTEN",
     * "udp 0.0.0.0:53", "unix stream /run/x.sock", "unix stream (unbound) -&gt; /run/x.sock".
     */
    public String describe() {
        String p = protocolName();
        if (family == AF_INET || family == AF_INET6) {
            StringBuilder sb = new StringBuilder(p).append(' ').append(endpoint(localAddr, localPort));
            boolean connected = remotePort > 0;
            if (connected) {
                sb.append(" -> ").append(endpoint(remoteAddr, remotePort));
            }
            if (protocol == IPPROTO_TCP) {
                sb.append(' ').append(stateName(state));
            }
            return sb.toString();
        }
        if (family == AF_UNIX) {
            return "unix " + typeName() + " " + (unixPath == null ? "(unbound)" : unixPath)
                    + (remoteAddr == null ? "" : " -> " + remoteAddr);
        }
        return p + " " + typeName();
    }

    private String endpoint(String addr, int port) {
        String a = addr == null ? "?" : addr;
        return (family == AF_INET6 ? "[" + a + "]" : a) + ":" + port;
    }
}
