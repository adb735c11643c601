package org.otherworld.agent.plan;

import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.files.SocketInfo;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;

/**
 * {@link SocketOracle} over a dead kernel: the {@code struct sock} / {@code struct unix_sock} behind a
 * socket file (its address is in {@link SocketInfo#sock()}), read through the BTF-typed layer. A peer is
 * gone when its sock is orphaned ({@code sk_socket} NULL, set by sock_orphan() when its last file
 * closed) or flagged {@code SOCK_DEAD} (bit number from the kernel's {@code enum sock_flags}).
 */
public final class DeadKernelSockets implements SocketOracle {
    /** MAX_SCHEDULE_TIMEOUT (include/linux/sched.h): the sk_*timeo value meaning "no timeout". */
    static final long MAX_SCHEDULE_TIMEOUT = Long.MAX_VALUE;
    private final DeadKernel kernel;
    private long sockDeadBit = -2;
    private org.otherworld.agent.net.InetSocketReader inetReader;

    public DeadKernelSockets(DeadKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public UnixSocketFacts unix(OpenFile f) {
        SocketInfo s = f.socket();
        if (s == null || s.family() != SocketInfo.AF_UNIX || s.sock() == 0) {
            return null;
        }
        try {
            KObject sk = kernel.object("sock", s.sock());
            KObject us = sk.as("unix_sock");
            long peer = us.pointer("peer");
            UnixSocketFacts.Peer p = peer == 0 ? UnixSocketFacts.Peer.NONE
                    : gone(kernel.object("sock", peer)) ? UnixSocketFacts.Peer.GONE : UnixSocketFacts.Peer.LIVE;
            boolean defaultTimeouts = sk.s64("sk_sndtimeo") == MAX_SCHEDULE_TIMEOUT
                    && sk.s64("sk_rcvtimeo") == MAX_SCHEDULE_TIMEOUT;
            return new UnixSocketFacts(f.ino(), (int) sk.read("sk_type"), (int) sk.read("__sk_common.skc_state"),
                    (int) sk.read("sk_shutdown"), (int) sk.u32("sk_receive_queue.qlen"),
                    (int) sk.read("sk_max_ack_backlog"), (int) sk.read("sk_sndbuf"), (int) sk.read("sk_rcvbuf"),
                    us.pointer("addr") != 0, p, defaultTimeouts);
        } catch (RuntimeException e) {
            return null; // unreadable: stays an unrestored resource
        }
    }

    /** The TCP/UDP socket behind {@code f}, read by {@link org.otherworld.agent.net.InetSocketReader}. */
    @Override
    public org.otherworld.agent.net.InetSocketRead inet(OpenFile f) {
        SocketInfo s = f.socket();
        if (s == null || (s.family() != SocketInfo.AF_INET && s.family() != SocketInfo.AF_INET6) || s.sock() == 0) {
            return null;
        }
        if (inetReader == null) {
            inetReader = new org.otherworld.agent.net.InetSocketReader(kernel.types(), kernel.kernelMemory(),
                    page -> kernel.physToDirectMap(kernel.pageToPhys(page)));
        }
        return inetReader.read(s.sock(), f.ino());
    }

    private boolean gone(KObject peer) {
        if (peer.pointer("sk_socket") == 0) {
            return true;
        }
        long bit = sockDeadBit();
        return bit >= 0 && (peer.read("__sk_common.skc_flags") & (1L << bit)) != 0;
    }

    private long sockDeadBit() {
        if (sockDeadBit == -2) {
            try {
                sockDeadBit = kernel.types().enumValue("sock_flags", "SOCK_DEAD");
            } catch (RuntimeException e) {
                sockDeadBit = -1;
            }
        }
        return sockDeadBit;
    }
}
