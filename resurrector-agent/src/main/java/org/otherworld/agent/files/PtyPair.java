package org.otherworld.agent.files;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Reads a Unix98 pseudo-terminal pair from the dead kernel: the master's and the slave's {@code struct
 * tty_struct} (Linux 6.1, drivers/tty/pty.c, n_tty.c, tty_buffer.c), their settings and the bytes each
 * end's reader has not read yet.
 *
 * <p>Settings are the slave's: a {@code TCGETS}/{@code TIOCGWINSZ}/{@code TIOCGLCKTRMIOS} on the master
 * acts on {@code tty->link} (tty_mode_ioctl), so both ends show them. {@code locked} is TTY_PTY_LOCK in
 * the master's flags (TIOCGPTLCK), {@code packet} is the master's {@code ctrl.packet} (TIOCGPKT), the
 * session and foreground process group are the slave's {@code ctrl.session}/{@code ctrl.pgrp}
 * (TIOCGSID/TIOCGPGRP on the master). Pid numbers are those of the initial pid namespace
 * ({@code pid->numbers[0].nr}), as everywhere in the process model.
 *
 * <p>Unread bytes of one end (what its reader's next read() returns, in order): first the line
 * discipline's {@code n_tty_data.read_buf} ring, {@code read_tail .. commit_head} in non-canonical mode,
 * {@code read_tail .. read_head} in canonical mode (complete lines up to {@code canon_head}, then the
 * line being edited), then the flip buffers of the end's own {@code tty_port} that the line discipline
 * had not processed yet (each {@code tty_buffer}'s {@code [read, commit)}, following {@code next} from
 * {@code buf.head}). A writer to one end puts its bytes into the other end's port (pty_write). In
 * canonical mode an end-of-file mark (a {@code __DISABLED_CHAR} whose {@code read_flags} bit is set) is
 * given back as the VEOF character, so writing the bytes into the peer recreates it.
 *
 * <p>A pair is only returned when it reads consistently; otherwise {@link IllegalArgumentException} names
 * the reason (never a half-read pair): the links must point at each other with one index, each end must
 * use N_TTY, no flip-buffer flush ({@code buf.lock} held) may have been running, the ring indices must be
 * ordered and within the ring, and in non-canonical mode no receive may have been half done
 * ({@code commit_head != read_head}).
 */
public final class PtyPair {
    /** TTY_DRIVER_TYPE_PTY, PTY_TYPE_MASTER, PTY_TYPE_SLAVE (include/linux/tty_driver.h). */
    public static final int TTY_DRIVER_TYPE_PTY = 4, PTY_TYPE_MASTER = 1, PTY_TYPE_SLAVE = 2;
    /** tty->flags bits (include/linux/tty.h, 6.1): TTY_OTHER_CLOSED, TTY_EXCLUSIVE, TTY_PTY_LOCK, TTY_HUPPED. */
    public static final int TTY_OTHER_CLOSED = 2, TTY_EXCLUSIVE = 3, TTY_PTY_LOCK = 16, TTY_HUPPED = 18;
    /** N_TTY (include/uapi/linux/tty.h): the default line discipline. */
    public static final int N_TTY = 0;
    /** N_TTY_BUF_SIZE (include/linux/tty.h): size of n_tty_data.read_buf. */
    public static final int N_TTY_BUF_SIZE = 4096;
    /** TTYB_NORMAL (include/linux/tty_buffer.h): the tty_buffer has no flag bytes (all TTY_NORMAL). */
    public static final int TTYB_NORMAL = 1;
    /** c_lflag ICANON (include/uapi/asm-generic/termbits.h). */
    public static final int ICANON = 0000002;
    /** c_cc index of VEOF (include/uapi/asm-generic/termbits.h). */
    public static final int VEOF = 4;
    /** NCCS of the kernel's termios (include/uapi/asm-generic/termbits.h). */
    public static final int NCCS = 19;
    /** Bound on the flip buffer chain followed (each buffer holds at most 2 KiB; mem_limit is 64 KiB). */
    public static final int MAX_FLIP_BUFFERS = 1024;
    /** Bound on one tty_buffer's size (TTY_BUFFER_PAGE is under 4 KiB; allow room). */
    public static final int MAX_FLIP_SIZE = 1 << 16;

    /** Kernel termios (struct ktermios). {@code cc} has {@link #NCCS} entries. */
    public record Termios(int iflag, int oflag, int cflag, int lflag, int line, byte[] cc, int ispeed, int ospeed) {
        public Termios {
            if (cc == null || cc.length != NCCS) {
                throw new IllegalArgumentException("termios c_cc must have " + NCCS + " entries");
            }
            cc = cc.clone();
        }

        @Override
        public byte[] cc() {
            return cc.clone();
        }

        public boolean canonical() {
            return (lflag & ICANON) != 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Termios t && iflag == t.iflag && oflag == t.oflag && cflag == t.cflag
                    && lflag == t.lflag && line == t.line && Arrays.equals(cc, t.cc) && ispeed == t.ispeed
                    && ospeed == t.ospeed;
        }

        @Override
        public int hashCode() {
            return (iflag * 31 + lflag) * 31 + Arrays.hashCode(cc);
        }

        @Override
        public String toString() {
            return String.format("termios[iflag 0%o oflag 0%o cflag 0%o lflag 0%o]", iflag, oflag, cflag, lflag);
        }
    }

    /** struct winsize. */
    public record Winsize(int row, int col, int xpixel, int ypixel) {
    }

    /**
     * One pair as read.
     *
     * @param master         the master's tty_struct
     * @param slave          the slave's tty_struct
     * @param index          the pty number (/dev/pts/INDEX)
     * @param termios        the slave's termios
     * @param termiosLocked  the slave's locked termios (TIOCSLCKTRMIOS)
     * @param winsize        the slave's window size
     * @param locked         TTY_PTY_LOCK on the master (unlockpt() not called yet)
     * @param packetMode     the master's packet mode (TIOCPKT)
     * @param masterExclusive TIOCEXCL on the master
     * @param slaveExclusive TIOCEXCL on the slave
     * @param session        the pid of the session whose controlling terminal the slave is, 0 if none
     * @param pgrp           the slave's foreground process group, 0 if none
     * @param toMaster       unread bytes at the master (written by the slave side)
     * @param toSlave        unread bytes at the slave (input written into the master)
     */
    public record State(long master, long slave, int index, Termios termios, Termios termiosLocked, Winsize winsize,
                        boolean locked, boolean packetMode, boolean masterExclusive, boolean slaveExclusive,
                        int session, int pgrp, byte[] toMaster, byte[] toSlave) {
    }

    private final KernelTypes types;
    private final VirtualMemory kmem;

    public PtyPair(KernelTypes types, VirtualMemory kmem) {
        this.types = types;
        this.kmem = kmem;
    }

    /** The tty_struct behind an open tty file: {@code ((struct tty_file_private *) file->private_data)->tty}. */
    public long ttyOfFile(long fileAddr) {
        KObject f = types.object(kmem, "file", fileAddr);
        long priv = f.pointer("private_data");
        if (priv == 0) {
            throw new IllegalArgumentException(String.format("file 0x%x has no tty_file_private", fileAddr));
        }
        long tty = types.object(kmem, "tty_file_private", priv).pointer("tty");
        if (tty == 0) {
            throw new IllegalArgumentException(String.format("file 0x%x: tty_file_private without a tty", fileAddr));
        }
        return tty;
    }

    /**
     * Reads the pair one of whose ends is the tty_struct at {@code ttyAddr}.
     *
     * @throws IllegalArgumentException if the pair is not a Unix98 pty pair or does not read consistently
     * @throws org.otherworld.agent.vmcore.MemoryAccessException if some of it is unreadable
     */
    public State read(long ttyAddr) {
        KObject tty = types.object(kmem, "tty_struct", ttyAddr);
        int subtype = subtype(tty);
        KObject other = tty.deref("link", "tty_struct");
        if (other == null) {
            throw new IllegalArgumentException(String.format("tty 0x%x has no peer (link NULL)", ttyAddr));
        }
        KObject master = subtype == PTY_TYPE_MASTER ? tty : other;
        KObject slave = subtype == PTY_TYPE_MASTER ? other : tty;
        String what = "pty " + (int) master.s32("index") + " (master tty 0x" + Long.toHexString(master.address()) + ")";
        if (subtype(other) != (subtype == PTY_TYPE_MASTER ? PTY_TYPE_SLAVE : PTY_TYPE_MASTER)) {
            throw new IllegalArgumentException(what + ": its link is not the other end of a pty");
        }
        if (other.pointer("link") != ttyAddr) {
            throw new IllegalArgumentException(what + ": master and slave do not link to each other");
        }
        int index = (int) master.s32("index");
        if (index < 0 || index != (int) slave.s32("index")) {
            throw new IllegalArgumentException(what + ": master index " + index + " and slave index "
                    + slave.s32("index") + " differ");
        }
        long mflags = master.u64("flags");
        long sflags = slave.u64("flags");
        if (bit(mflags, TTY_HUPPED) || bit(sflags, TTY_HUPPED)) {
            throw new IllegalArgumentException(what + ": hung up");
        }
        Termios termios = termios(slave, "termios");
        Termios locked = termios(slave, "termios_locked");
        Winsize ws = new Winsize((int) slave.u16("winsize.ws_row"), (int) slave.u16("winsize.ws_col"),
                (int) slave.u16("winsize.ws_xpixel"), (int) slave.u16("winsize.ws_ypixel"));
        boolean packet = master.read(ctrl("packet")) != 0;
        int session = pidNr(slave.pointer(ctrl("session")));
        int pgrp = pidNr(slave.pointer(ctrl("pgrp")));
        // the master's reader sees what the slave side wrote; its line discipline runs with the master's
        // own termios (raw by default for a pty master)
        byte[] toMaster = unread(master, termios(master, "termios"), what + " master");
        byte[] toSlave = unread(slave, termios, what + " slave");
        return new State(master.address(), slave.address(), index, termios, locked, ws, bit(mflags, TTY_PTY_LOCK),
                packet, bit(mflags, TTY_EXCLUSIVE), bit(sflags, TTY_EXCLUSIVE), session, pgrp, toMaster, toSlave);
    }

    /** Member path of tty_struct's control state: 6.1 {@code ctrl.X}; older kernels had it at top level. */
    private String ctrl(String name) {
        return types.hasMember("tty_struct", "ctrl." + name) ? "ctrl." + name : name;
    }

    private int subtype(KObject tty) {
        KObject driver = tty.deref("driver");
        if (driver == null) {
            throw new IllegalArgumentException(String.format("tty 0x%x has no driver", tty.address()));
        }
        int type = (int) driver.read("type");
        int sub = (int) driver.read("subtype");
        if (type != TTY_DRIVER_TYPE_PTY || (sub != PTY_TYPE_MASTER && sub != PTY_TYPE_SLAVE)) {
            throw new IllegalArgumentException(String.format("tty 0x%x is not a pty (driver type %d subtype %d)",
                    tty.address(), type, sub));
        }
        return sub;
    }

    private static boolean bit(long flags, int n) {
        return (flags & (1L << n)) != 0;
    }

    private Termios termios(KObject tty, String member) {
        KObject t = tty.member(member);
        return new Termios((int) t.u32("c_iflag"), (int) t.u32("c_oflag"), (int) t.u32("c_cflag"), (int) t.u32("c_lflag"),
                (int) t.u8("c_line"), Arrays.copyOf(t.bytes("c_cc"), NCCS), (int) t.u32("c_ispeed"),
                (int) t.u32("c_ospeed"));
    }

    private int pidNr(long pid) {
        if (pid == 0) {
            return 0;
        }
        return (int) types.object(kmem, "pid", pid).element("numbers", 0).s32("nr");
    }

    /** The bytes the reader of {@code tty} has not read: its n_tty ring, then its unprocessed flip buffers. */
    private byte[] unread(KObject tty, Termios termios, String what) {
        KObject ldisc = tty.deref("ldisc");
        if (ldisc == null) {
            throw new IllegalArgumentException(what + ": no line discipline");
        }
        int num = (int) ldisc.deref("ops").s32("num");
        if (num != N_TTY) {
            throw new IllegalArgumentException(what + ": line discipline " + num + " is not N_TTY");
        }
        KObject port = tty.deref("port");
        if (port == null) {
            throw new IllegalArgumentException(what + ": no tty_port");
        }
        long lockOwner = kmem.readU64(port.addressOf("buf.lock") + types.struct("mutex").member("owner").offset());
        if (lockOwner != 0) {
            throw new IllegalArgumentException(what + ": its input was being handed to the line discipline at the"
                    + " crash (buf.lock held)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long disc = tty.pointer("disc_data");
        if (disc != 0) {
            ring(types.object(kmem, "n_tty_data", disc), termios, what, out);
        }
        flip(port, what, out);
        return out.toByteArray();
    }

    private void ring(KObject ld, Termios termios, String what, ByteArrayOutputStream out) {
        long tail = ld.u64("read_tail");
        long canon = ld.u64("canon_head");
        long commit = ld.u64("commit_head");
        long head = ld.u64("read_head");
        boolean icanon = termios.canonical();
        long end = icanon ? head : commit;
        if (!icanon && commit != head) {
            throw new IllegalArgumentException(what + ": input was being received at the crash (commit_head "
                    + commit + " != read_head " + head + ")");
        }
        if (Long.compareUnsigned(end - tail, N_TTY_BUF_SIZE) > 0
                || (icanon && Long.compareUnsigned(canon - tail, end - tail) > 0)) {
            throw new IllegalArgumentException(what + ": line discipline ring out of order (read_tail " + tail
                    + ", canon_head " + canon + ", commit_head " + commit + ", read_head " + head + ")");
        }
        int n = (int) (end - tail);
        if (n == 0) {
            return;
        }
        byte[] buf = ld.bytes("read_buf");
        long flagsAddr = ld.addressOf("read_flags");
        byte eof = termios.cc[VEOF];
        for (int i = 0; i < n; i++) {
            int idx = (int) ((tail + i) & (N_TTY_BUF_SIZE - 1));
            byte c = buf[idx];
            if (icanon && c == 0) {
                byte fb = kmem.readBytes(flagsAddr + idx / 8, 1)[0];
                if ((fb & (1 << (idx % 8))) != 0) {
                    c = eof; // an end-of-file mark: typed as VEOF, stored as __DISABLED_CHAR
                }
            }
            out.write(c);
        }
    }

    private void flip(KObject port, String what, ByteArrayOutputStream out) {
        long b = port.pointer("buf.head");
        int count = 0;
        while (b != 0) {
            if (++count > MAX_FLIP_BUFFERS) {
                throw new IllegalArgumentException(what + ": flip buffer chain longer than " + MAX_FLIP_BUFFERS);
            }
            KObject tb = types.object(kmem, "tty_buffer", b);
            int used = (int) tb.s32("used");
            int size = (int) tb.s32("size");
            int commit = (int) tb.s32("commit");
            int read = (int) tb.s32("read");
            int flags = (int) tb.s32("flags");
            if (size < 0 || size > MAX_FLIP_SIZE || used < 0 || used > size || commit < 0 || commit > used || read < 0
                    || read > commit) {
                throw new IllegalArgumentException(String.format("%s: tty_buffer 0x%x out of order (read %d commit %d "
                        + "used %d size %d)", what, b, read, commit, used, size));
            }
            if (commit > read) {
                long data = tb.addressOf("data");
                if ((flags & TTYB_NORMAL) == 0) {
                    byte[] fl = kmem.readBytes(data + size + read, commit - read);
                    for (byte f : fl) {
                        if (f != 0) {
                            throw new IllegalArgumentException(what + ": queued input carries error flags (break,"
                                    + " parity, overrun)");
                        }
                    }
                }
                out.writeBytes(kmem.readBytes(data + read, commit - read));
            }
            b = tb.pointer("next");
        }
    }
}
