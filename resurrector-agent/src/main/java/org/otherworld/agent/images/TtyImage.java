package org.otherworld.agent.images;

import java.util.Arrays;

/**
 * One end of a Unix98 pseudo-terminal pair as criu 3.17 restores it (criu/tty.c): the end's
 * {@code tty_info_entry} in tty-info.img (id {@link #infoId()}, settings, session) and the bytes readable
 * at this end in tty-data.img. Both ends carry the pair's settings (the slave's termios, locked termios
 * and window size: what TCGETS/TIOCGLCKTRMIOS/TIOCGWINSZ return on either end). criu opens /dev/ptmx until
 * it gets number {@link #index()}, sets the settings, opens /dev/pts/INDEX for the slave, writes the bytes
 * readable at the master into the slave and those readable at the slave into the master, and makes the
 * slave the controlling terminal of the session leader {@link #sid()} with foreground group
 * {@link #pgrp()} (TIOCSCTTY, TIOCSPGRP).
 *
 * @param index         the pty number
 * @param master        whether this is the master end (/dev/ptmx)
 * @param termios       the pair's termios
 * @param termiosLocked its locked termios
 * @param winsize       its window size
 * @param locked        TTY_PTY_LOCK of the master (written for the master end only)
 * @param packetMode    packet mode of the master (master end only)
 * @param exclusive     TIOCEXCL on this end
 * @param sid           the session the slave is the controlling terminal of, 0 for none
 * @param pgrp          the slave's foreground process group (0 when sid is 0)
 * @param unread        the bytes readable at this end (not copied; do not modify)
 */
public record TtyImage(int index, boolean master, Termios termios, Termios termiosLocked, Winsize winsize,
                       boolean locked, boolean packetMode, boolean exclusive, int sid, int pgrp, byte[] unread)
        implements FileDetail {
    /** MAX_PTY_INDEX of criu/tty.c: larger pty numbers are refused by criu. */
    public static final int MAX_PTY_INDEX = 1000;
    /** TTYAUX_MAJOR and the minor of /dev/ptmx (include/uapi/linux/major.h, Documentation/admin-guide/devices.txt). */
    public static final int PTMX_MAJOR = 5, PTMX_MINOR = 2;
    /** UNIX98_PTY_SLAVE_MAJOR (include/uapi/linux/major.h); 256 slaves per major. */
    public static final int PTS_MAJOR = 136;
    /** The kernel's NCCS: c_cc entries kept. */
    public static final int NCCS = 19;

    /** termios (the kernel's struct termios). */
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

    public TtyImage {
        if (index < 0 || index > MAX_PTY_INDEX) {
            throw new IllegalArgumentException("pty index " + index + " outside 0.." + MAX_PTY_INDEX + " (criu's limit)");
        }
        if (termios == null || termiosLocked == null || winsize == null || unread == null) {
            throw new IllegalArgumentException("pty " + index + ": termios, locked termios, window size and unread"
                    + " bytes are required");
        }
        if (sid < 0 || pgrp < 0 || (sid == 0 && pgrp != 0)) {
            throw new IllegalArgumentException("pty " + index + ": session " + sid + " / process group " + pgrp);
        }
    }

    /** criu's tty_info id of this end: {@code index * 2 + 1} for the master, {@code index * 2} for the slave. */
    public int infoId() {
        return index * 2 + (master ? 1 : 0);
    }

    /** The other end's {@link #infoId()}. */
    public int peerInfoId() {
        return index * 2 + (master ? 0 : 1);
    }

    /** The path criu opens: /dev/ptmx for the master, /dev/pts/INDEX for the slave. */
    public String defaultPath() {
        return master ? "/dev/ptmx" : "/dev/pts/" + index;
    }

    /** The device number, userspace encoding (glibc makedev(): criu applies major()/minor() to it). */
    public int rdev() {
        int major = master ? PTMX_MAJOR : PTS_MAJOR + index / 256;
        int minor = master ? PTMX_MINOR : index % 256;
        return (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
    }

    /** Whether {@code o} is the same end with the same settings and bytes. */
    public boolean sameAs(TtyImage o) {
        return o != null && index == o.index && master == o.master && termios.equals(o.termios)
                && termiosLocked.equals(o.termiosLocked) && winsize.equals(o.winsize) && locked == o.locked
                && packetMode == o.packetMode && exclusive == o.exclusive && sid == o.sid && pgrp == o.pgrp
                && Arrays.equals(unread, o.unread);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TtyImage t && sameAs(t);
    }

    @Override
    public int hashCode() {
        return infoId() * 31 + Arrays.hashCode(unread);
    }

    @Override
    public String toString() {
        return "TtyImage[" + defaultPath() + ", " + termios + ", sid " + sid + ", pgrp " + pgrp + ", " + unread.length
                + " unread bytes]";
    }
}
