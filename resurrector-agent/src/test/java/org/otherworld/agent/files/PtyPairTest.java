package org.otherworld.agent.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfBuilder;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.kernel.Member;
import org.otherworld.agent.testing.ByteMemory;
import org.otherworld.agent.testing.KernelBuildBtf;

/**
 * {@link PtyPair} on pty pairs laid out in synthetic memory through member offsets, once with a small
 * synthetic BTF (the 6.1 member names) and once with the real 6.1 kernel build's BTF (skipped without it),
 * so a wrong member path fails against the real layout.
 */
class PtyPairTest {
    static final long BASE = 0x100000;
    static final long MASTER = 0x100000, SLAVE = 0x101000, DRV_M = 0x102000, DRV_S = 0x102100, LDOPS = 0x102200,
            LD_M = 0x102300, LD_S = 0x102400, PORT_M = 0x103000, PORT_S = 0x103400, NTTY_M = 0x104000,
            NTTY_S = 0x107000, FLIP1 = 0x10a000, FLIP2 = 0x10b000, PID_S = 0x10c000, PID_P = 0x10c100,
            FILE = 0x10d000, PRIV = 0x10d100;

    /** Only the members PtyPair reads, at offsets of our choosing. */
    static KernelTypes synthetic() {
        BtfBuilder b = new BtfBuilder();
        int u8 = b.intType("unsigned char", 1, 0);
        int u16 = b.intType("short unsigned int", 2, 0);
        int s16 = b.intType("short int", 2, BtfBuilder.SIGNED);
        int u32 = b.intType("unsigned int", 4, 0);
        int s32 = b.intType("int", 4, BtfBuilder.SIGNED);
        int ul = b.intType("long unsigned int", 8, 0);
        int sl = b.intType("long int", 8, BtfBuilder.SIGNED);
        int bool = b.intType("_Bool", 1, BtfBuilder.BOOL);
        int chr = b.intType("char", 1, BtfBuilder.SIGNED);
        int upid = b.struct("upid", 16).member("nr", s32, 0).id();
        int pid = b.struct("pid", 96).member("level", u32, 32).member("numbers", b.array(upid, s32, 0), 96 * 8).id();
        int drv = b.struct("tty_driver", 64).member("type", s16, 56 * 8).member("subtype", s16, 58 * 8).id();
        int ops = b.struct("tty_ldisc_ops", 16).member("num", s32, 64).id();
        int ld = b.struct("tty_ldisc", 16).member("ops", b.ptr(ops), 0).id();
        int kt = b.struct("ktermios", 44).member("c_iflag", u32, 0).member("c_oflag", u32, 32).member("c_cflag", u32, 64)
                .member("c_lflag", u32, 96).member("c_line", u8, 128).member("c_cc", b.array(u8, s32, 19), 136)
                .member("c_ispeed", u32, 288).member("c_ospeed", u32, 320).id();
        int ws = b.struct("winsize", 8).member("ws_row", u16, 0).member("ws_col", u16, 16).member("ws_xpixel", u16, 32)
                .member("ws_ypixel", u16, 48).id();
        int mutex = b.struct("mutex", 32).member("owner", sl, 0).id();
        int tbuf = b.fwd("tty_buffer", false);
        int tb = b.struct("tty_buffer", 32).member("next", b.ptr(tbuf), 0).member("used", s32, 64)
                .member("size", s32, 96).member("commit", s32, 128).member("lookahead", s32, 160)
                .member("read", s32, 192).member("flags", s32, 224).member("data", b.array(ul, s32, 0), 256).id();
        int bufhead = b.struct("tty_bufhead", 64).member("head", b.ptr(tb), 0).member("lock", mutex, 64)
                .member("tail", b.ptr(tb), 384).id();
        int port = b.struct("tty_port", 128).member("buf", bufhead, 0).id();
        int ntty = b.struct("n_tty_data", 8800).member("read_head", ul, 0).member("commit_head", ul, 64)
                .member("canon_head", ul, 128).member("read_buf", b.array(chr, s32, 4096), 256)
                .member("read_flags", b.array(ul, s32, 64), (32 + 4096) * 8).member("read_tail", ul, (32 + 4096 + 512) * 8)
                .id();
        int ctrl = b.struct("", 32).member("pgrp", b.ptr(pid), 64).member("session", b.ptr(pid), 128)
                .member("pktstatus", u8, 192).member("packet", bool, 200).id();
        int ttyFwd = b.fwd("tty_struct", false);
        int tty = b.struct("tty_struct", 256).member("driver", b.ptr(drv), 0).member("index", s32, 64)
                .member("ldisc", b.ptr(ld), 128).member("termios", kt, 192).member("termios_locked", kt, 192 + 352)
                .member("flags", ul, 960).member("winsize", ws, 1024).member("ctrl", ctrl, 1088)
                .member("link", b.ptr(ttyFwd), 1344).member("disc_data", b.ptr(u8), 1408)
                .member("port", b.ptr(port), 1472).id();
        b.struct("tty_file_private", 32).member("tty", b.ptr(tty), 0);
        b.struct("file", 256).member("private_data", b.ptr(u8), 200 * 8);
        return new KernelTypes(Btf.parse(b.build()));
    }

    static Stream<KernelTypes> layouts() throws IOException {
        Path v = KernelBuildBtf.vmlinux();
        KernelTypes real = v == null ? null : new KernelTypes(Btf.parse(KernelBuildBtf.btfSection(v)));
        return real == null ? Stream.of(synthetic()) : Stream.of(synthetic(), real);
    }

    KernelTypes t;
    ByteMemory mem;

    void set(String struct, long base, String path, long v) {
        Member m = t.struct(struct).member(path);
        long a = base + m.offset();
        switch ((int) m.size()) {
            case 1 -> mem.u8(a, (int) v);
            case 2 -> mem.u16(a, (int) v);
            case 4 -> mem.u32(a, v);
            case 8 -> mem.u64(a, v);
            default -> throw new IllegalArgumentException(path + " has size " + m.size());
        }
    }

    long at(String struct, long base, String path) {
        return base + t.struct(struct).member(path).offset();
    }

    static final int RAW_LFLAG = 0, CANON_LFLAG = 0000002 | 0000010 | 0000001; // ICANON | ECHO | ISIG

    /** A pair with index 3: the slave in raw mode with VMIN 5, window 40x132, session 200, pgrp 201. */
    void pair(KernelTypes types) {
        t = types;
        mem = new ByteMemory(BASE, 0x10000);
        set("tty_driver", DRV_M, "type", PtyPair.TTY_DRIVER_TYPE_PTY);
        set("tty_driver", DRV_M, "subtype", PtyPair.PTY_TYPE_MASTER);
        set("tty_driver", DRV_S, "type", PtyPair.TTY_DRIVER_TYPE_PTY);
        set("tty_driver", DRV_S, "subtype", PtyPair.PTY_TYPE_SLAVE);
        set("tty_ldisc_ops", LDOPS, "num", PtyPair.N_TTY);
        set("tty_ldisc", LD_M, "ops", LDOPS);
        set("tty_ldisc", LD_S, "ops", LDOPS);
        tty(MASTER, DRV_M, SLAVE, LD_M, PORT_M, NTTY_M);
        tty(SLAVE, DRV_S, MASTER, LD_S, PORT_S, NTTY_S);
        set("tty_struct", SLAVE, "termios.c_iflag", 0);
        set("tty_struct", SLAVE, "termios.c_oflag", 04);
        set("tty_struct", SLAVE, "termios.c_cflag", 0277);
        set("tty_struct", SLAVE, "termios.c_lflag", RAW_LFLAG);
        set("tty_struct", SLAVE, "termios.c_ispeed", 38400);
        set("tty_struct", SLAVE, "termios.c_ospeed", 38400);
        for (int i = 0; i < 19; i++) {
            mem.u8(at("tty_struct", SLAVE, "termios.c_cc") + i, i + 1);
        }
        mem.u8(at("tty_struct", SLAVE, "termios.c_cc") + 6, 5); // VMIN
        set("tty_struct", SLAVE, "termios_locked.c_lflag", 0000010);
        set("tty_struct", SLAVE, "winsize.ws_row", 40);
        set("tty_struct", SLAVE, "winsize.ws_col", 132);
        set("tty_struct", MASTER, "ctrl.packet", 1);
        set("tty_struct", MASTER, "flags", 1L << PtyPair.TTY_PTY_LOCK);
        set("tty_struct", SLAVE, "flags", 1L << PtyPair.TTY_EXCLUSIVE);
        set("upid", at("pid", PID_S, "numbers"), "nr", 200);
        set("upid", at("pid", PID_P, "numbers"), "nr", 201);
        set("tty_struct", SLAVE, "ctrl.session", PID_S);
        set("tty_struct", SLAVE, "ctrl.pgrp", PID_P);
        set("file", FILE, "private_data", PRIV);
        set("tty_file_private", PRIV, "tty", SLAVE);
    }

    void tty(long tty, long drv, long link, long ld, long port, long ntty) {
        set("tty_struct", tty, "driver", drv);
        set("tty_struct", tty, "index", 3);
        set("tty_struct", tty, "link", link);
        set("tty_struct", tty, "ldisc", ld);
        set("tty_struct", tty, "port", port);
        set("tty_struct", tty, "disc_data", ntty);
    }

    /** n_tty ring of {@code ntty}: bytes at free-running position {@code tail}, heads set as given. */
    void ring(long ntty, long tail, byte[] data, long canon, long commit, long head) {
        long buf = at("n_tty_data", ntty, "read_buf");
        for (int i = 0; i < data.length; i++) {
            mem.u8(buf + ((tail + i) & 4095), data[i]);
        }
        set("n_tty_data", ntty, "read_tail", tail);
        set("n_tty_data", ntty, "canon_head", canon);
        set("n_tty_data", ntty, "commit_head", commit);
        set("n_tty_data", ntty, "read_head", head);
    }

    /** A flip buffer at {@code at} holding {@code data} at [0, len), of which [read, commit) is pending. */
    void flip(long at, long next, String data, int read, int commit, int flags) {
        set("tty_buffer", at, "next", next);
        set("tty_buffer", at, "size", 256);
        set("tty_buffer", at, "used", data.length());
        set("tty_buffer", at, "commit", commit);
        set("tty_buffer", at, "read", read);
        set("tty_buffer", at, "flags", flags);
        mem.str(at("tty_buffer", at, "data"), data);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    PtyPair.State read(long tty) {
        return new PtyPair(t, mem).read(tty);
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void readsSettingsSessionAndTheUnreadBytesOfBothEnds(KernelTypes types) {
        pair(types);
        // slave (raw): "hello" processed by n_tty, then " wor" + "ld" still in two flip buffers ("xx" read)
        ring(NTTY_S, 10, b("hello"), 10, 15, 15);
        set("tty_port", PORT_S, "buf.head", FLIP1);
        flip(FLIP1, FLIP2, "xx wor", 2, 6, PtyPair.TTYB_NORMAL);
        flip(FLIP2, 0, "ldZZ", 0, 2, PtyPair.TTYB_NORMAL); // "ZZ" used but not committed: not visible
        // master (raw): output "prompt> " wrapping around the end of the 4096-byte ring
        ring(NTTY_M, 4093, b("prompt> "), 4093, 4101, 4101);
        PtyPair.State s = read(MASTER);
        assertEquals(3, s.index());
        assertEquals(MASTER, s.master());
        assertEquals(SLAVE, s.slave());
        assertArrayEquals(b("hello world"), s.toSlave());
        assertArrayEquals(b("prompt> "), s.toMaster());
        assertEquals(0277, s.termios().cflag());
        assertEquals(04, s.termios().oflag());
        assertEquals(38400, s.termios().ospeed());
        assertEquals(5, s.termios().cc()[6]);
        assertEquals(1, s.termios().cc()[0]);
        assertFalse(s.termios().canonical());
        assertEquals(0000010, s.termiosLocked().lflag());
        assertEquals(new PtyPair.Winsize(40, 132, 0, 0), s.winsize());
        assertTrue(s.locked());
        assertTrue(s.packetMode());
        assertFalse(s.masterExclusive());
        assertTrue(s.slaveExclusive());
        assertEquals(200, s.session());
        assertEquals(201, s.pgrp());
        // the same pair from the slave's side, and from an open file of it
        PtyPair.State fromSlave = read(SLAVE);
        assertArrayEquals(s.toSlave(), fromSlave.toSlave());
        assertEquals(s.termios(), fromSlave.termios());
        PtyPair p = new PtyPair(t, mem);
        assertEquals(SLAVE, p.ttyOfFile(FILE));
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void canonicalModeKeepsCompleteLinesThePartialLineAndEndOfFileMarks(KernelTypes types) {
        pair(types);
        set("tty_struct", SLAVE, "termios.c_lflag", CANON_LFLAG);
        // "ls\n" then an EOF mark (stored as 0 with its read_flags bit) then "ca" being typed
        byte[] data = {'l', 's', '\n', 0, 'c', 'a'};
        ring(NTTY_S, 100, data, 104, 104, 106);
        long flags = at("n_tty_data", NTTY_S, "read_flags");
        mem.u8(flags + 103 / 8, 1 << (103 % 8));
        mem.u8(flags + 102 / 8, mem.bytes[(int) (flags + 102 / 8 - BASE)] | 1 << (102 % 8));
        PtyPair.State s = read(SLAVE);
        assertArrayEquals(new byte[] {'l', 's', '\n', 5 /* VEOF of this termios */, 'c', 'a'}, s.toSlave());
        // a 0 byte without the flag is data
        mem.u8(flags + 103 / 8, 1 << (102 % 8));
        assertArrayEquals(new byte[] {'l', 's', '\n', 0, 'c', 'a'}, read(SLAVE).toSlave());
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void inconsistentPairsAreRejectedWithTheReason(KernelTypes types) {
        pair(types);
        ring(NTTY_S, 0, b("abc"), 0, 2, 3); // raw mode, receive half done
        assertReason("commit_head 2 != read_head 3");
        pair(types);
        ring(NTTY_S, 5000, b(""), 5000, 0, 0);
        assertReason("out of order");
        pair(types);
        set("tty_port", PORT_S, "buf.head", FLIP1);
        flip(FLIP1, 0, "abc", 3, 2, PtyPair.TTYB_NORMAL);
        assertReason("out of order (read 3 commit 2");
        pair(types);
        set("tty_port", PORT_S, "buf.head", FLIP1);
        flip(FLIP1, 0, "abc", 0, 3, 0);
        mem.u8(at("tty_buffer", FLIP1, "data") + 256 + 1, 1); // TTY_BREAK on the second byte
        assertReason("error flags");
        pair(types);
        mem.u64(at("tty_port", PORT_S, "buf.lock"), 0xffff888000001234L);
        assertReason("buf.lock held");
        pair(types);
        set("tty_struct", SLAVE, "link", SLAVE + 8);
        assertReason("do not link to each other");
        pair(types);
        set("tty_struct", SLAVE, "index", 4);
        assertReason("index 3 and slave index 4 differ");
        pair(types);
        set("tty_struct", MASTER, "flags", 1L << PtyPair.TTY_HUPPED);
        assertReason("hung up");
        pair(types);
        set("tty_ldisc_ops", LDOPS, "num", 2);
        assertReason("line discipline 2 is not N_TTY");
        pair(types);
        set("tty_driver", DRV_M, "type", 3);
        assertReason("is not a pty");
        pair(types);
        set("tty_struct", SLAVE, "link", 0);
        var e = assertThrows(IllegalArgumentException.class, () -> read(SLAVE));
        assertTrue(e.getMessage().contains("no peer"), e.getMessage());
    }

    void assertReason(String part) {
        var e = assertThrows(IllegalArgumentException.class, () -> read(MASTER));
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertTrue(e.getMessage().startsWith("pty 3") || e.getMessage().startsWith("tty "), e.getMessage());
    }
}
