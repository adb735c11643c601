package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.files.FileKind;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.files.SocketInfo;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.images.ProcessImage;
import org.otherworld.agent.images.SysvShmAttach;
import org.otherworld.agent.images.UnixSocketImage;
import org.otherworld.agent.images.VmaImage;
import org.otherworld.agent.images.VmaStatus;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.Vma;
import org.otherworld.agent.task.VmaFlags;

/** Stateless unix sockets are restored; SysV shm is restored with an IPC namespace of the process's own. */
class SocketAndIpcPlanTest {
    static final SystemPolicy POLICY = SystemPolicy.parse("pid 1\n", "test");

    static OpenFile unix(int fd, long ino) {
        SocketInfo s = new SocketInfo(SocketInfo.AF_UNIX, SocketInfo.SOCK_STREAM, 0, 1, null, -1, "(unbound)", -1, null,
                0xffff0000L + fd);
        return new OpenFile(fd, true, 0xe000L + fd, 02, 3, 0, "socket:[" + ino + "]", 8, 0, ino, OpenFile.S_IFSOCK, 0,
                8, "sockfs", 0, "socket_file_ops", FileKind.SOCKET, s, s.describe());
    }

    /** The JVM's fd 6: connected stream socket, peer closed, shut down both ways, nothing queued. */
    static UnixSocketFacts semiClosed(long ino) {
        return new UnixSocketFacts(ino, 1, 1, 3, 0, 10, 212992, 212992, false, UnixSocketFacts.Peer.GONE, true);
    }

    static Vma sysv(long start, long end, int shmid) {
        long f = VmaFlags.VM_READ | VmaFlags.VM_WRITE | VmaFlags.VM_MAYREAD | VmaFlags.VM_MAYWRITE
                | VmaFlags.VM_MAYSHARE | VmaFlags.VM_SHARED;
        return new Vma(0x300, start, end, f, 0, 0xdef, "/SYSV4f00006f (deleted)", null, 1, shmid);
    }

    private static Planner planner(SocketOracle sockets, IpcNamespaceOracle ipc) {
        return new Planner(POLICY, Registrations.none(), v -> v.path() != null && v.path().startsWith("/SYSV") ? "tmpfs"
                : "ext4", Planner.Config.defaults(), sockets, ipc);
    }

    @Test
    void statelessRules() {
        assertNull(semiClosed(5).whyStateful());
        UnixSocketImage img = semiClosed(5).image();
        assertEquals(UnixSocketImage.TCP_ESTABLISHED, img.state());
        assertEquals(UnixSocketImage.SHUTDOWN_BOTH, img.shutdown());
        assertEquals(0, img.backlog());
        UnixSocketFacts fresh = new UnixSocketFacts(6, 1, 7, 0, 0, 0, 4096, 4096, false, UnixSocketFacts.Peer.NONE, true);
        assertNull(fresh.whyStateful());
        assertEquals(UnixSocketImage.TCP_CLOSE, fresh.image().state());
        UnixSocketFacts dgramGone = new UnixSocketFacts(7, 2, 1, 0, 0, 0, 1, 1, false, UnixSocketFacts.Peer.GONE, true);
        assertEquals(UnixSocketImage.TCP_CLOSE, dgramGone.image().state(), "datagram socket comes back unconnected");
        assertEquals("connected to a live peer", new UnixSocketFacts(8, 1, 1, 0, 0, 0, 1, 1, false,
                UnixSocketFacts.Peer.LIVE, true).whyStateful());
        assertEquals("listening sockets are not restored", new UnixSocketFacts(8, 1, 10, 0, 0, 128, 1, 1, true,
                UnixSocketFacts.Peer.NONE, true).whyStateful());
        assertEquals("bound sockets are not restored", new UnixSocketFacts(8, 2, 7, 0, 0, 0, 1, 1, true,
                UnixSocketFacts.Peer.NONE, true).whyStateful());
        assertEquals("2 queued messages would be lost", new UnixSocketFacts(8, 1, 1, 3, 2, 0, 1, 1, false,
                UnixSocketFacts.Peer.GONE, true).whyStateful());
        assertTrue(new UnixSocketFacts(8, 1, 1, 1, 0, 0, 1, 1, false, UnixSocketFacts.Peer.GONE, true).whyStateful()
                .contains("not shut down both ways"));
        assertTrue(new UnixSocketFacts(8, 1, 7, 0, 0, 0, 1, 1, false, UnixSocketFacts.Peer.NONE, false).whyStateful()
                .contains("TIMEO"));
    }

    @Test
    void processWithAStatelessUnixSocketIsFullyRestorableAndTheMapperWritesTheSocket() {
        ProcessModel jvm = Models.process(174, 1, 174, "java", List.of(Models.file(0, FileKind.CHAR_DEVICE, "/dev/null",
                "devtmpfs"), unix(6, 303)), List.of());
        Planner.Result known = planner(f -> f.fd() == 6 ? semiClosed(303) : null, IpcNamespaceOracle.INITIAL)
                .plan(List.of(jvm), Set.of());
        ProcessPlan p = known.process(174).orElseThrow();
        assertTrue(p.resurrect(), p.reason());
        assertEquals("fully restorable", p.reason());
        ProcessImage img = ImageMapper.simple().map(p, true, ImageMapper.simple().vmas(jvm), PageSource.NONE);
        var fd6 = img.fds().stream().filter(f -> f.fd() == 6).findFirst().orElseThrow();
        assertEquals(org.otherworld.agent.images.FileKind.UNIX_SOCKET, fd6.file().kind());
        assertEquals(303, fd6.file().socket().ino());
        assertEquals("socket:[303]", fd6.file().path());
        assertTrue(fd6.cloexec());

        // without socket knowledge it stays an unrestored resource, as before
        ProcessPlan unknown = planner(SocketOracle.UNKNOWN, IpcNamespaceOracle.INITIAL).plan(List.of(jvm), Set.of())
                .process(174).orElseThrow();
        assertFalse(unknown.resurrect());
        assertTrue(unknown.reason().contains("unix fd 6"), unknown.reason());
        // a live peer keeps it unrestored, with the reason in the report
        ProcessPlan live = planner(f -> new UnixSocketFacts(303, 1, 1, 0, 0, 0, 1, 1, false, UnixSocketFacts.Peer.LIVE,
                true), IpcNamespaceOracle.INITIAL).plan(List.of(jvm), Set.of()).process(174).orElseThrow();
        assertFalse(live.resurrect());
        assertEquals("its peer's inode could not be read", live.unrestored().get(0).reason());
    }

    @Test
    void sysvShmBlocksInTheInitialIpcNamespaceOnly() {
        ProcessModel mt = Models.process(170, 1, 170, "mtworker", List.of(), List.of(sysv(0x7f0000100000L,
                0x7f0000101000L, 5)));
        ProcessPlan initial = planner(SocketOracle.UNKNOWN, IpcNamespaceOracle.INITIAL).plan(List.of(mt), Set.of())
                .process(170).orElseThrow();
        assertFalse(initial.resurrect());
        assertTrue(initial.reason().contains("SysV shared memory /SYSV4f00006f of the initial IPC namespace"),
                initial.reason());

        IpcNamespaceOracle own = p -> new IpcNamespaceOracle.IpcNamespace(0xabc000, 1, 0, 0);
        Planner.Result r = planner(SocketOracle.UNKNOWN, own).plan(List.of(mt), Set.of());
        ProcessPlan p = r.process(170).orElseThrow();
        assertTrue(p.resurrect(), p.reason());
        assertEquals(1, r.trees().size());

        IpcNamespaceOracle withQueues = q -> new IpcNamespaceOracle.IpcNamespace(0xabc000, 1, 2, 0);
        ProcessPlan q = planner(SocketOracle.UNKNOWN, withQueues).plan(List.of(mt), Set.of()).process(170).orElseThrow();
        assertFalse(q.resurrect());
        assertTrue(q.reason().contains("2 SysV message queue(s)"), q.reason());
    }

    @Test
    void aChildInAnotherIpcNamespaceRootsATreeOfItsOwn() {
        ProcessModel parent = Models.simple(20, 1, 20, "sh");
        ProcessModel child = Models.process(21, 20, 20, "mtworker", List.of(), List.of(sysv(0x7f0000100000L,
                0x7f0000101000L, 5)));
        ProcessModel grandchild = Models.simple(22, 21, 20, "sleep");
        Map<Integer, Long> ns = Map.of(21, 0xabc000L, 22, 0xabc000L);
        IpcNamespaceOracle ipc = p -> ns.containsKey(p.pid()) ? new IpcNamespaceOracle.IpcNamespace(ns.get(p.pid()), 1,
                0, 0) : null;
        Planner.Result r = planner(SocketOracle.UNKNOWN, ipc).plan(List.of(parent, child, grandchild), Set.of());
        assertEquals(2, r.trees().size());
        assertEquals(List.of(20), r.trees().get(0).processes().stream().map(ProcessPlan::pid).toList());
        assertEquals(List.of(21, 22), r.trees().get(1).processes().stream().map(ProcessPlan::pid).toList());
        assertEquals(20, r.trees().get(1).parentPid());
    }

    @Test
    void sysvVmaIsMappedAsCriuDumpsIt() {
        VmaImage v = ImageMapper.vma(sysv(0x7f0000100000L, 0x7f0000102000L, 32768));
        assertEquals(VmaStatus.AREA_REGULAR | VmaStatus.ANON_SHARED | VmaStatus.AREA_SYSVIPC, v.status());
        assertEquals(VmaStatus.MAP_SHARED | VmaStatus.MAP_ANONYMOUS, v.flags());
        assertEquals(new SysvShmAttach(32768, true), v.sysv());
        assertNull(v.path());
        assertFalse(v.privateMemory());
    }
}
