package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.files.FileKind;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.files.SocketInfo;
import org.otherworld.agent.images.InetSocketImage;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.images.ProcessImage;
import org.otherworld.agent.images.TcpStreamImage;
import org.otherworld.agent.net.InetSocketRead;
import org.otherworld.agent.task.ProcessModel;

/** The planner's hook for TCP/UDP sockets: restored when the dead kernel's state was read, else unrestored. */
class InetSocketPlanTest {
    static OpenFile tcp(int fd, long ino) {
        SocketInfo s = new SocketInfo(SocketInfo.AF_INET, SocketInfo.SOCK_STREAM, SocketInfo.IPPROTO_TCP, 1,
                "10.0.2.15", 7777, "10.0.2.2", 40000, null, 0xffff0000L + fd);
        return new OpenFile(fd, false, 0xe000L + fd, 02, 3, 0, "socket:[" + ino + "]", 8, 0, ino, OpenFile.S_IFSOCK, 0,
                8, "sockfs", 0, "socket_file_ops", FileKind.SOCKET, s, s.describe());
    }

    static InetSocketImage established(long ino) {
        return new InetSocketImage(ino, 2, 1, 6, 1, new int[] {0x0f02000a}, 7777, new int[] {0x0202000a}, 40000, 0,
                1, 1, false, false, false, 0, new TcpStreamImage(1, 2, 0, 0, 0, 0, 1460, 0, false, false, null,
                new byte[0], new byte[1]));
    }

    private static Planner planner(SocketOracle sockets) {
        return new Planner(SystemPolicy.parse("pid 1\n", "test"), Registrations.none(), v -> "ext4",
                Planner.Config.defaults(), sockets, IpcNamespaceOracle.INITIAL);
    }

    @Test
    void establishedConnectionIsRestoredAndMapped() {
        ProcessModel srv = Models.process(200, 1, 200, "echo-server", List.of(tcp(4, 0x99)), List.of());
        SocketOracle oracle = new SocketOracle() {
            @Override
            public UnixSocketFacts unix(OpenFile f) {
                return null;
            }

            @Override
            public InetSocketRead inet(OpenFile f) {
                return InetSocketRead.restored(established(f.ino()), 0);
            }
        };
        ProcessPlan p = planner(oracle).plan(List.of(srv), Set.of()).process(200).orElseThrow();
        assertTrue(p.resurrect(), p.reason());
        assertEquals("fully restorable", p.reason());
        ProcessImage img = ImageMapper.simple().map(p, true, ImageMapper.simple().vmas(srv), PageSource.NONE);
        var fd4 = img.fds().get(0);
        assertEquals(org.otherworld.agent.images.FileKind.INET_SOCKET, fd4.file().kind());
        assertEquals(0x99, fd4.file().inet().ino());
        assertTrue(fd4.file().inet().established());
    }

    @Test
    void unreadableConnectionIsAnUnrestoredResourceWithTheReason() {
        ProcessModel srv = Models.process(200, 1, 200, "echo-server", List.of(tcp(4, 0x99)), List.of());
        SocketOracle oracle = new SocketOracle() {
            @Override
            public UnixSocketFacts unix(OpenFile f) {
                return null;
            }

            @Override
            public InetSocketRead inet(OpenFile f) {
                return InetSocketRead.unrestored("receive queue: gap at sequence 5008");
            }
        };
        ProcessPlan p = planner(oracle).plan(List.of(srv), Set.of()).process(200).orElseThrow();
        assertFalse(p.resurrect());
        assertEquals("tcp", p.unrestored().get(0).kind());
        assertEquals("receive queue: gap at sequence 5008", p.unrestored().get(0).reason());
        // nothing known: as before
        ProcessPlan q = planner(SocketOracle.UNKNOWN).plan(List.of(srv), Set.of()).process(200).orElseThrow();
        assertEquals("sockets are not restored", q.unrestored().get(0).reason());
    }
}
