package org.otherworld.agent.plan;

import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.files.PipeRing;
import org.otherworld.agent.files.UnixQueue;
import org.otherworld.agent.images.PipeImage;
import org.otherworld.agent.images.UnixSocketImage;
import java.util.List;
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
    /** pipe_inode_info address -&gt; what was read from it (every end of a pipe gets the same result). */
    private final java.util.Map<Long, PipeFacts> pipes = new java.util.HashMap<>();
    private org.otherworld.agent.net.InetSocketReader inetReader;
    private DeadKernelEventFiles eventFiles;

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
            int type = (int) sk.read("sk_type");
            int state = (int) sk.read("__sk_common.skc_state");
            int qlen = (int) sk.u32("sk_receive_queue.qlen");
            long addr = us.pointer("addr");
            Long peerIno = p == UnixSocketFacts.Peer.LIVE ? quiet(() -> socketIno(kernel.object("sock", peer))) : null;
            byte[] name = addr == 0 ? null : quiet(() -> name(addr));
            List<byte[]> queue = null;
            String problem = null;
            if (qlen > 0 && state != UnixSocketFacts.TCP_LISTEN) {
                try {
                    queue = UnixQueue.read(kernel.types(), kernel.kernelMemory(), sk.addressOf("sk_receive_queue"),
                            type == UnixSocketImage.SOCK_STREAM);
                } catch (UnixQueue.UnsupportedQueueException e) {
                    problem = e.getMessage();
                } catch (RuntimeException e) {
                    problem = "its queue is unreadable: " + e.getMessage();
                }
            }
            return new UnixSocketFacts(f.ino(), type, state, (int) sk.read("sk_shutdown"), qlen,
                    (int) sk.read("sk_max_ack_backlog"), (int) sk.read("sk_sndbuf"), (int) sk.read("sk_rcvbuf"),
                    addr != 0, p, defaultTimeouts, peerIno == null ? 0 : peerIno, name, passcred(sk), queue, problem);
        } catch (RuntimeException e) {
            return null; // unreadable: stays an unrestored resource
        }
    }

    /**
     * The pipe behind a pipe or FIFO descriptor: {@code inode->i_pipe} (the pipe_inode_info shared by
     * all its ends), its ring read by {@link PipeRing} with the buffer pages read from physical memory.
     */
    @Override
    public PipeFacts pipe(OpenFile f) {
        if (f.inode() == 0) {
            return null;
        }
        long addr;
        try {
            addr = kernel.object("inode", f.inode()).pointer("i_pipe");
        } catch (RuntimeException e) {
            return PipeFacts.unrestorable("inode unreadable: " + e.getMessage());
        }
        if (addr == 0) {
            return PipeFacts.unrestorable("the inode has no pipe (i_pipe NULL)");
        }
        return pipes.computeIfAbsent(addr, a -> readPipe(a, f.ino()));
    }

    private PipeFacts readPipe(long addr, long ino) {
        try {
            PipeRing.Contents c = PipeRing.read(kernel.types(), kernel.kernelMemory(), addr,
                    (page, off, dst, dstOff, len) -> kernel.physicalMemory().read(kernel.pageToPhys(page) + off, dst,
                            dstOff, len));
            if (c.unsupported() != null) {
                return PipeFacts.unrestorable(c.unsupported() + " is not restored");
            }
            return new PipeFacts(new PipeImage(ino, c.capacity(), c.data()), c.readers(), c.writers(), null);
        } catch (RuntimeException e) {
            return PipeFacts.unrestorable("pipe unreadable: " + e.getMessage());
        }
    }

    /** SOCK_PASSCRED: bit 3 of struct socket.flags (include/linux/net.h, Linux 6.1). */
    static final int SOCK_PASSCRED = 3;

    private static boolean passcred(KObject sk) {
        try {
            KObject sock = sk.deref("sk_socket");
            return sock != null && (sock.read("flags") & (1L << SOCK_PASSCRED)) != 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The inode number of the socket file of {@code sk}: sk_socket-&gt;file-&gt;f_inode-&gt;i_ino. */
    private static long socketIno(KObject sk) {
        return sk.deref("sk_socket").deref("file").deref("f_inode").u64("i_ino");
    }

    /**
     * The bound name: struct unix_address {refcnt; int len; struct sockaddr_un name[]}; len counts
     * sun_family (2 bytes) plus the name bytes (a path's terminating 0 included, as unix_mkname_bsd()
     * computes it).
     */
    private byte[] name(long addr) {
        KObject a = kernel.object("unix_address", addr);
        long len = a.read("len") - 2;
        if (len <= 0 || len > UnixSocketImage.UNIX_PATH_MAX) {
            throw new IllegalArgumentException(String.format("unix_address 0x%x: len %d", addr, len + 2));
        }
        byte[] b = new byte[(int) len];
        kernel.kernelMemory().read(a.addressOf("name") + 2, b, 0, b.length);
        return b;
    }

    private static <T> T quiet(java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            return null;
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

    /** The eventfd, timerfd, signalfd, epoll or inotify object behind {@code f} ({@link DeadKernelEventFiles}). */
    @Override
    public EventFileFacts eventFile(OpenFile f) {
        if (eventFiles == null) {
            eventFiles = new DeadKernelEventFiles(kernel, () -> System.currentTimeMillis() * 1_000_000L);
        }
        return eventFiles.read(f);
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
