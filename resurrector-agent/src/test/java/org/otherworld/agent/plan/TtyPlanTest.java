package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.files.FileKind;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.files.PtyPair;
import org.otherworld.agent.images.FdImage;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.images.ProcessImage;
import org.otherworld.agent.images.SyscallRestart;
import org.otherworld.agent.images.TtyImage;
import org.otherworld.agent.task.ProcessModel;

/** Pty pairs in the plan: both ends and the session leader in one image set, else unrestored with the reason. */
class TtyPlanTest {
    static final long MASTER = 0xffff888000100000L, SLAVE = 0xffff888000200000L;
    static final byte[] INPUT = "pending input".getBytes();

    static OpenFile master(int fd) {
        return new OpenFile(fd, false, 0xa100, 0402, 3, 0, "/dev/ptmx", 20, 0xffff888000300000L, 7, OpenFile.S_IFCHR | 0666,
                0, 5, "devtmpfs", (5 << 20) | 2, "ptmx_fops", FileKind.PTY, null, "/dev/ptmx (char 5:2)");
    }

    static OpenFile slave(int fd) {
        return new OpenFile(fd, false, 0xa200, 02, 3, 0, "/dev/pts/3", 21, 0xffff888000400000L, 6, OpenFile.S_IFCHR | 0620,
                0, 22, "devpts", (136 << 20) | 3, "tty_fops", FileKind.PTY, null, "/dev/pts/3 (char 136:3)");
    }

    static PtyPair.State state(int session, int pgrp, int lflag, byte[] toSlave) {
        byte[] cc = new byte[19];
        cc[2] = 0x7f; // VERASE
        cc[0] = 3; // VINTR
        cc[6] = 1; // VMIN
        PtyPair.Termios t = new PtyPair.Termios(0, 0, 0277, lflag, 0, cc, 38400, 38400);
        return new PtyPair.State(MASTER, SLAVE, 3, t, t, new PtyPair.Winsize(24, 80, 0, 0), false, false, false, false,
                session, pgrp, "out".getBytes(), toSlave);
    }

    static SocketOracle ttys(PtyPair.State s) {
        return new SocketOracle() {
            @Override
            public UnixSocketFacts unix(OpenFile f) {
                return null;
            }

            @Override
            public TtyFacts tty(OpenFile f) {
                return DeadKernelSockets.facts(s, f.path().equals("/dev/ptmx") ? s.master() : s.slave());
            }

            @Override
            public ControllingTerminal controllingTerminal(ProcessModel p) {
                return p.sid() == s.session() ? new ControllingTerminal("/dev/pts/3", 3) : null;
            }
        };
    }

    static ProcessModel parent() {
        return Models.process(40, 1, 40, "ptyhold", List.of(master(5)), List.of());
    }

    /** The child: a session leader (sid 41) with the slave, blocked in read() on it. */
    static ProcessModel child(int sid) {
        return PipePlanTest.withThreadIn(Models.process(41, 40, sid, "ptyhold-child", List.of(slave(0), slave(1)),
                List.of()), SyscallRule.READ, 0);
    }

    @Test
    void aPairHeldInOneTreeWithItsSessionLeaderIsRestored() {
        Planner.Result r = PipePlanTest.planner(ttys(state(41, 41, 0, INPUT))).plan(List.of(parent(), child(41)),
                Set.of());
        ProcessPlan p = r.process(40).orElseThrow();
        ProcessPlan c = r.process(41).orElseThrow();
        assertEquals("fully restorable", p.reason());
        assertEquals("fully restorable", c.reason());
        assertEquals(1, r.trees().size());
        assertEquals(SyscallRestart.EINTR, c.syscalls().get(41).action(), "a read on a terminal returns EINTR");

        ProcessImage ci = ImageMapper.simple().map(c, false, ImageMapper.simple().vmas(child(41)), PageSource.NONE);
        FdImage fd0 = ci.fds().stream().filter(f -> f.fd() == 0).findFirst().orElseThrow();
        FdImage fd1 = ci.fds().stream().filter(f -> f.fd() == 1).findFirst().orElseThrow();
        assertTrue(fd0.file() == fd1.file(), "dups share a description");
        TtyImage s = fd0.file().tty();
        assertFalse(s.master());
        assertEquals(3, s.index());
        assertEquals(41, s.sid());
        assertEquals(41, s.pgrp());
        assertArrayEquals(INPUT, s.unread());
        assertEquals("/dev/pts/3", fd0.file().path());
        assertEquals(OpenFile.S_IFCHR | 0620, fd0.file().mode());
        ProcessImage pi = ImageMapper.simple().map(p, false, ImageMapper.simple().vmas(parent()), PageSource.NONE);
        TtyImage m = pi.fds().get(pi.fds().size() - 1).file().tty();
        assertTrue(m.master());
        assertArrayEquals("out".getBytes(), m.unread());
        assertEquals(s.termios(), m.termios());
    }

    @Test
    void anEndWithoutItsPeerInTheSetIsUnrestoredAndSoIsThePeer() {
        // the child is not resurrected (a system process by pid): the master loses its slave
        SystemPolicy policy = SystemPolicy.parse("pid 1\npid 41\n", "test");
        Planner planner = new Planner(policy, Registrations.none(), v -> "ext4", Planner.Config.defaults(),
                ttys(state(41, 41, 0, INPUT)), IpcNamespaceOracle.INITIAL);
        ProcessPlan p = planner.plan(List.of(parent(), child(41)), Set.of()).process(40).orElseThrow();
        assertFalse(p.resurrect());
        assertEquals("terminal", p.unrestored().get(0).kind());
        assertEquals("its slave /dev/pts/3 is not held by a process resurrected in the same image set",
                p.unrestored().get(0).reason());
    }

    @Test
    void theSessionLeaderAndTheForegroundGroupMustBeInTheSet() {
        // the slave is the controlling terminal of session 50, whose leader is not resurrected
        Planner.Result r = PipePlanTest.planner(ttys(state(50, 50, 0, INPUT))).plan(List.of(parent(), child(50)),
                Set.of());
        ProcessPlan c = r.process(41).orElseThrow();
        assertFalse(c.resurrect());
        assertTrue(c.unrestored().get(0).reason().contains("leader 50"), c.unrestored().get(0).reason());
        ProcessPlan p = r.process(40).orElseThrow();
        assertFalse(p.resurrect(), "its master goes with it");
        // foreground group 77 has no process in the set
        r = PipePlanTest.planner(ttys(state(41, 77, 0, INPUT))).plan(List.of(parent(), child(41)), Set.of());
        assertTrue(r.process(41).orElseThrow().unrestored().get(0).reason().contains("foreground process group 77"));
    }

    @Test
    void unreadableOrUnrestorablePairsKeepTheirReason() {
        SocketOracle broken = new SocketOracle() {
            @Override
            public UnixSocketFacts unix(OpenFile f) {
                return null;
            }

            @Override
            public TtyFacts tty(OpenFile f) {
                return TtyFacts.unrestorable("pty unreadable or inconsistent: pty 3 (master tty 0x1): hung up");
            }
        };
        ProcessPlan p = PipePlanTest.planner(broken).plan(List.of(parent()), Set.of()).process(40).orElseThrow();
        assertEquals("pty unreadable or inconsistent: pty 3 (master tty 0x1): hung up", p.unrestored().get(0).reason());
        ProcessPlan unknown = PipePlanTest.planner(SocketOracle.UNKNOWN).plan(List.of(parent()), Set.of()).process(40)
                .orElseThrow();
        assertEquals("the terminal's state could not be read", unknown.unrestored().get(0).reason());
    }

    @Test
    void specialCharactersInUnreadCanonicalInputAreNotReplayed() {
        int icanon = DeadKernelSockets.ICANON | DeadKernelSockets.ISIG;
        TtyFacts f = DeadKernelSockets.facts(state(41, 41, icanon, "ab\u007fc\n".getBytes()), SLAVE);
        assertNull(f.image());
        assertTrue(f.unrestorable().contains("VERASE (0x7f)"), f.unrestorable());
        f = DeadKernelSockets.facts(state(41, 41, icanon, "ab\u0003".getBytes()), SLAVE);
        assertTrue(f.unrestorable().contains("VINTR"), f.unrestorable());
        // the same bytes in raw mode are plain data
        assertArrayEquals("ab\u007fc\n".getBytes(), DeadKernelSockets.facts(state(41, 41, 0, "ab\u007fc\n".getBytes()),
                SLAVE).image().unread());
        assertEquals("the controlling terminal of session 41 has no foreground process group",
                DeadKernelSockets.facts(state(41, 0, 0, INPUT), MASTER).unrestorable());
        assertEquals(0, DeadKernelSockets.facts(state(0, 5, 0, INPUT), MASTER).image().pgrp(), "no session: no group");
    }

    @Test
    void pendingOutputIsGivenBackAsWrittenBeforeOnlcr() {
        byte[] cc = new byte[19];
        PtyPair.Termios onlcr = new PtyPair.Termios(0, DeadKernelSockets.OPOST | DeadKernelSockets.ONLCR, 0277, 0, 0, cc,
                0, 0);
        assertArrayEquals("a\nb\n".getBytes(), DeadKernelSockets.beforeOutputProcessing("a\r\nb\r\n".getBytes(), onlcr));
        assertArrayEquals("a\r\nb".getBytes(), DeadKernelSockets.beforeOutputProcessing("a\r\r\nb".getBytes(), onlcr));
        // a newline without its CR was written while ONLCR was off: kept as it is
        assertArrayEquals("a\nb\r\n".getBytes(), DeadKernelSockets.beforeOutputProcessing("a\nb\r\n".getBytes(), onlcr));
        PtyPair.Termios raw = new PtyPair.Termios(0, 0, 0277, 0, 0, cc, 0, 0);
        assertArrayEquals("a\r\n".getBytes(), DeadKernelSockets.beforeOutputProcessing("a\r\n".getBytes(), raw));
    }

    @Test
    void aSessionMemberLosesItsControllingTerminalAndIsToldSo() {
        // pid 42: a member of the child's session (sid 41) holding no terminal descriptor
        ProcessModel member = Models.process(42, 41, 41, "member", List.of(), List.of());
        Planner.Result r = PipePlanTest.planner(ttys(state(41, 41, 0, INPUT))).plan(List.of(parent(), child(41), member),
                Set.of());
        ProcessPlan m = r.process(42).orElseThrow();
        assertTrue(m.resurrect(), "advisory only");
        assertEquals("fully restorable; controlling terminal not restored", m.reason());
        assertEquals(UnrestoredResource.KIND_CTTY, m.unrestored().get(0).kind());
        assertEquals(-1, m.unrestored().get(0).fd());
        assertEquals("controlling terminal /dev/pts/3", m.unrestored().get(0).description());
        assertEquals("criu restores a controlling terminal for the session leader only", m.unrestored().get(0).reason());
        assertTrue(r.process(41).orElseThrow().unrestored().isEmpty(), "the leader holds it in a restored pair");
        // a leader whose pair is not restored (its master's holder is not resurrected) loses it too
        SystemPolicy policy = SystemPolicy.parse("pid 1\npid 40\n", "test");
        Planner planner = new Planner(policy, Registrations.none(), v -> "ext4", Planner.Config.defaults(),
                ttys(state(41, 41, 0, INPUT)), IpcNamespaceOracle.INITIAL);
        ProcessPlan c = planner.plan(List.of(parent(), child(41)), Set.of()).process(41).orElseThrow();
        assertTrue(c.unrestored().stream().anyMatch(u -> u.kind().equals(UnrestoredResource.KIND_CTTY)
                && u.reason().contains("session leader does not hold")), c.unrestored().toString());
    }
}
