package org.otherworld.agent.plan;

import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.files.PipeRing;
import org.otherworld.agent.files.PtyPair;
import org.otherworld.agent.images.TtyImage;
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
    /** master tty_struct address -&gt; the pair as read (every end of a pair gets the same result). */
    private final java.util.Map<Long, Object> ptys = new java.util.HashMap<>();

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

    /**
     * The pty end behind a /dev/ptmx or /dev/pts descriptor: {@code file->private_data} (a {@code struct
     * tty_file_private}) names its tty_struct; {@link PtyPair} reads the pair once, and the end this file
     * is becomes a {@link TtyImage} carrying the pair's settings and the bytes readable at this end.
     */
    @Override
    public TtyFacts tty(OpenFile f) {
        if ("hung_up_tty_fops".equals(f.fopsSymbol())) {
            return TtyFacts.unrestorable("the terminal was hung up");
        }
        PtyPair reader = new PtyPair(kernel.types(), kernel.kernelMemory());
        long tty;
        try {
            tty = reader.ttyOfFile(f.file());
        } catch (RuntimeException e) {
            return TtyFacts.unrestorable("terminal unreadable: " + e.getMessage());
        }
        Object r = ptys.get(tty);
        if (r == null) {
            try {
                PtyPair.State s = reader.read(tty);
                r = s;
                ptys.put(s.master(), s);
                ptys.put(s.slave(), s);
            } catch (RuntimeException e) {
                r = "pty unreadable or inconsistent: " + e.getMessage();
                ptys.put(tty, r);
            }
        }
        if (r instanceof String why) {
            return TtyFacts.unrestorable(why);
        }
        return facts((PtyPair.State) r, tty);
    }

    /** {@code task->signal->tty}: /dev/pts/N for a pty slave, else /dev/ + tty_struct.name (e.g. ttyS0). */
    @Override
    public ControllingTerminal controllingTerminal(org.otherworld.agent.task.ProcessModel p) {
        try {
            KObject signal = kernel.object("task_struct", p.task()).deref("signal");
            KObject tty = signal == null ? null : signal.deref("tty");
            if (tty == null) {
                return null;
            }
            String name = tty.cString("name");
            KObject driver = tty.deref("driver");
            boolean ptySlave = driver != null && driver.read("type") == PtyPair.TTY_DRIVER_TYPE_PTY
                    && driver.read("subtype") == PtyPair.PTY_TYPE_SLAVE;
            int index = (int) tty.s32("index");
            return ptySlave ? new ControllingTerminal("/dev/pts/" + index, index)
                    : new ControllingTerminal("/dev/" + name, -1);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The end {@code tty} of pair {@code s} as restored. */
    static TtyFacts facts(PtyPair.State s, long tty) {
        boolean master = tty == s.master();
        if (s.index() > TtyImage.MAX_PTY_INDEX) {
            return TtyFacts.unrestorable("pty number " + s.index() + " is above criu's limit " + TtyImage.MAX_PTY_INDEX);
        }
        if (s.session() != 0 && s.pgrp() == 0) {
            return TtyFacts.unrestorable("the controlling terminal of session " + s.session()
                    + " has no foreground process group");
        }
        String special = reinterpreted(s.toSlave(), s.termios());
        if (special != null) {
            return TtyFacts.unrestorable("unread input of /dev/pts/" + s.index() + " holds " + special
                    + ", which the line discipline would interpret again when it is written back");
        }
        return new TtyFacts(new TtyImage(s.index(), master, termios(s.termios()), termios(s.termiosLocked()),
                new TtyImage.Winsize(s.winsize().row(), s.winsize().col(), s.winsize().xpixel(), s.winsize().ypixel()),
                s.locked(), s.packetMode(), master ? s.masterExclusive() : s.slaveExclusive(), s.session(),
                s.session() == 0 ? 0 : s.pgrp(), master ? beforeOutputProcessing(s.toMaster(), s.termios())
                : s.toSlave()), null);
    }

    /** termbits.h (asm-generic): c_lflag ISIG, ICANON, IEXTEN; c_iflag IXON. */
    static final int ISIG = 01, ICANON = 02, IEXTEN = 0100000, IXON = 02000;
    /** c_cc indices (asm-generic termbits.h) and their names. */
    static final int[] SPECIAL_CC = {0, 1, 2, 3, 8, 9, 10, 12, 14, 15};
    static final String[] SPECIAL_NAMES = {"VINTR", "VQUIT", "VERASE", "VKILL", "VSTART", "VSTOP", "VSUSP",
            "VREPRINT", "VWERASE", "VLNEXT"};

    /**
     * Which special character of {@code t} occurs in {@code data}, or null. The unread bytes are given back by
     * writing them into the master, through the line discipline again; a byte it stored although it is a
     * special character (typed after VLNEXT) would then act (erase, kill the line, raise a signal ...).
     */
    static String reinterpreted(byte[] data, PtyPair.Termios t) {
        boolean icanon = (t.lflag() & ICANON) != 0, isig = (t.lflag() & ISIG) != 0, iexten = (t.lflag() & IEXTEN) != 0;
        boolean ixon = (t.iflag() & IXON) != 0;
        byte[] cc = t.cc();
        for (int k = 0; k < SPECIAL_CC.length; k++) {
            int i = SPECIAL_CC[k];
            boolean active = switch (i) {
                case 0, 1, 10 -> isig;
                case 2, 3 -> icanon;
                case 12, 14, 15 -> icanon && iexten;
                default -> ixon;
            };
            if (!active || cc[i] == 0) {
                continue;
            }
            for (byte b : data) {
                if (b == cc[i]) {
                    return String.format("%s (0x%02x)", SPECIAL_NAMES[k], b & 0xff);
                }
            }
        }
        return null;
    }

    /** c_oflag OPOST, ONLCR, OCRNL (asm-generic termbits.h). */
    static final int OPOST = 01, ONLCR = 04, OCRNL = 010;

    /**
     * The output readable at the master as the program wrote it, as far as it can be told: criu writes it
     * into the new slave, whose output processing runs again. Of the OPOST transformations only ONLCR
     * ({@code \n} written as {@code \r\n}) is not idempotent, so with OPOST and ONLCR (and not OCRNL) the
     * {@code \r} in front of every {@code \n} is taken out; if some {@code \n} has none (written while
     * ONLCR was off), the bytes are kept as they are.
     */
    static byte[] beforeOutputProcessing(byte[] data, PtyPair.Termios t) {
        if ((t.oflag() & OPOST) == 0 || (t.oflag() & ONLCR) == 0 || (t.oflag() & OCRNL) != 0) {
            return data;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(data.length);
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                if (i == 0 || data[i - 1] != '\r') {
                    return data;
                }
            }
            if (data[i] == '\r' && i + 1 < data.length && data[i + 1] == '\n') {
                continue;
            }
            out.write(data[i]);
        }
        return out.toByteArray();
    }

    private static TtyImage.Termios termios(PtyPair.Termios t) {
        return new TtyImage.Termios(t.iflag(), t.oflag(), t.cflag(), t.lflag(), t.line(), t.cc(), t.ispeed(), t.ospeed());
    }
}
