package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.files.FileKind;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.files.SocketInfo;
import org.otherworld.agent.images.UnixSocketImage;
import org.otherworld.agent.task.ProcessModel;

/** Stateful unix sockets: which are restored, and the peer rule across processes and trees. */
class UnixSocketPlanTest {
    static final byte[] PATH = "/data/work/srv.sock\0".getBytes(StandardCharsets.US_ASCII);

    static OpenFile sock(int fd, long ino) {
        SocketInfo s = new SocketInfo(SocketInfo.AF_UNIX, SocketInfo.SOCK_STREAM, 0, 1, null, -1, null, -1, null,
                0xffff0000L + ino);
        return new OpenFile(fd, false, 0xe000L + ino, 02, 3, 0, "socket:[" + ino + "]", 8, 0, ino, OpenFile.S_IFSOCK, 0,
                8, "sockfs", 0, "socket_file_ops", FileKind.SOCKET, s, s.describe());
    }

    static UnixSocketFacts listening(long ino) {
        return new UnixSocketFacts(ino, 1, 10, 0, 0, 16, 1000, 1000, true, UnixSocketFacts.Peer.NONE, true, 0, PATH,
                false, null, null);
    }

    static UnixSocketFacts connected(long ino, long peer, List<byte[]> queue, boolean bound) {
        return new UnixSocketFacts(ino, 1, 1, 0, queue.size(), 0, 1000, 1000, bound, UnixSocketFacts.Peer.LIVE, true,
                peer, bound ? PATH : null, false, queue, null);
    }

    static final Map<Long, UnixSocketFacts> FACTS = Map.of(500L, listening(500),
            501L, connected(501, 502, List.of("q1".getBytes(), "q2".getBytes()), true),
            502L, connected(502, 501, List.of(), false));

    static Planner planner(String policy) {
        return new Planner(SystemPolicy.parse(policy, "test"), Registrations.none(), v -> "ext4",
                Planner.Config.defaults(), f -> FACTS.get(f.ino()), IpcNamespaceOracle.INITIAL);
    }

    static List<ProcessModel> serverAndClient() {
        ProcessModel server = Models.process(40, 1, 40, "server", List.of(sock(3, 500), sock(4, 501)), List.of());
        ProcessModel client = Models.process(41, 40, 40, "client", List.of(sock(3, 502)), List.of());
        return List.of(server, client);
    }

    @Test
    void listeningAndAConnectedPairInOneTreeAreRestoredWithNameAndQueue() {
        Planner.Result r = planner("pid 1\n").plan(serverAndClient(), Set.of());
        ProcessPlan s = r.process(40).orElseThrow();
        assertEquals("fully restorable", s.reason());
        assertEquals("fully restorable", r.process(41).orElseThrow().reason());
        UnixSocketImage acc = s.fds().stream().filter(d -> d.file().fd() == 4).findFirst().orElseThrow().socket();
        assertEquals(502, acc.peer());
        assertArrayEquals(PATH, acc.name());
        assertEquals(2, acc.queue().size());
        UnixSocketImage lst = s.fds().stream().filter(d -> d.file().fd() == 3).findFirst().orElseThrow().socket();
        assertEquals(UnixSocketImage.TCP_LISTEN, lst.state());
        assertEquals(16, lst.backlog());
    }

    @Test
    void aPeerThatIsNotResurrectedMakesTheOtherEndUnrestored() {
        // the client is a system process: not resurrected, so the server's accepted socket has no peer
        Planner.Result r = planner("pid 1\ncomm client\n").plan(serverAndClient(), Set.of());
        ProcessPlan s = r.process(40).orElseThrow();
        assertFalse(s.resurrect(), s.reason());
        assertEquals(1, s.unrestored().size());
        assertEquals("unix", s.unrestored().get(0).kind());
        assertEquals(4, s.unrestored().get(0).fd());
        assertTrue(s.unrestored().get(0).reason().contains("peer socket:[502] is not resurrected"),
                s.unrestored().get(0).reason());
        assertTrue(s.fds().stream().filter(d -> d.file().fd() == 3).findFirst().orElseThrow().restored(),
                "the listening socket is still restored");
    }

    @Test
    void reasons() {
        assertNull(listening(5).whyUnrestorable());
        assertEquals("2 connections not yet accepted would be lost", new UnixSocketFacts(5, 1, 10, 0, 2, 16, 1, 1,
                true, UnixSocketFacts.Peer.NONE, true, 0, PATH, false, null, null).whyUnrestorable());
        assertTrue(new UnixSocketFacts(5, 1, 10, 0, 0, 16, 1, 1, true, UnixSocketFacts.Peer.NONE, true, 0,
                "rel.sock\0".getBytes(), false, null, null).whyUnrestorable().contains("relative path \"rel.sock\""));
        assertEquals("file descriptors in flight (SCM_RIGHTS) are not restored", new UnixSocketFacts(5, 1, 1, 0, 1, 0,
                1, 1, false, UnixSocketFacts.Peer.LIVE, true, 6, null, false, null,
                "file descriptors in flight (SCM_RIGHTS) are not restored").whyUnrestorable());
        assertEquals("its peer's inode could not be read", new UnixSocketFacts(8, 1, 1, 0, 0, 0, 1, 1, false,
                UnixSocketFacts.Peer.LIVE, true).whyUnrestorable());
        // peer gone with data still queued: restored semi-closed, with the data
        UnixSocketFacts semi = new UnixSocketFacts(9, 1, 1, 3, 1, 0, 1, 1, false, UnixSocketFacts.Peer.GONE, true, 0,
                null, false, List.of("last words".getBytes()), null);
        assertNull(semi.whyUnrestorable());
        assertEquals(UnixSocketImage.SHUTDOWN_BOTH, semi.image().shutdown());
        assertEquals(1, semi.image().queue().size());
        assertEquals(0, semi.image().peer());
    }
}
