package org.otherworld.agent.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.proto.FdTypes;
import org.otherworld.agent.images.proto.FdinfoEntry;
import org.otherworld.agent.images.proto.FileEntry;
import org.otherworld.agent.images.proto.TaskKobjIdsEntry;
import org.otherworld.agent.images.proto.UnixSkEntry;

/** Stateless unix sockets (files.img UNIXSK) and an IPC namespace of the tree's own (ipcns-*.img). */
class SocketAndIpcImagesTest {
    @TempDir
    Path dir;

    static final long SHM_AT = 0x7f0000100000L;
    static final int SHMID = 32768;
    /** Not a multiple of 4: the writer pads the contents. */
    static final int SHM_SIZE = 5003;

    static byte[] shmBytes() {
        byte[] b = new byte[SHM_SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    static IpcNamespaceImage ipcNs() {
        IpcNamespaceImage.Vars vars = new IpcNamespaceImage.Vars(new int[] {32000, 1024000000, 500, 32000}, 8192,
                16384, 32000, Long.MAX_VALUE - 4096, Long.MAX_VALUE - 4096, 4096, 0, 256, 10, 8192, 10, 8192);
        byte[] data = shmBytes();
        return new IpcNamespaceImage(vars, List.of(new IpcNamespaceImage.ShmSegment(SHMID, 0x4f00006f, 1000, 1000,
                1000, 1000, 0600, SHM_SIZE, () -> new ByteArrayInputStream(data))));
    }

    /** The synthetic parent with a semi-closed stream socket on fd 6, an unconnected datagram socket
     *  on fd 7 (dup'ed on fd 8) and the segment attached read-write. */
    static List<ProcessImage> tree() {
        List<ProcessImage> base = SyntheticTree.tree();
        ProcessImage p = base.get(0);
        List<VmaImage> vmas = new ArrayList<>(p.mm().vmas());
        vmas.add(3, new VmaImage(SHM_AT, SHM_AT + 0x2000, 0, VmaStatus.PROT_READ | VmaStatus.PROT_WRITE,
                VmaStatus.MAP_SHARED | VmaStatus.MAP_ANONYMOUS,
                VmaStatus.AREA_REGULAR | VmaStatus.ANON_SHARED | VmaStatus.AREA_SYSVIPC, null, 0,
                new SysvShmAttach(SHMID, true)));
        MmImage m = p.mm();
        MmImage mm = new MmImage(m.startCode(), m.endCode(), m.startData(), m.endData(), m.startStack(), m.startBrk(),
                m.brk(), m.argStart(), m.argEnd(), m.envStart(), m.envEnd(), m.auxv(), m.exePath(), vmas, 1);
        FileImage stream = FileImage.unixSocket(new UnixSocketImage(303, UnixSocketImage.SOCK_STREAM,
                UnixSocketImage.TCP_ESTABLISHED, UnixSocketImage.SHUTDOWN_BOTH, 0, 212992, 212992), 02);
        FileImage dgram = FileImage.unixSocket(new UnixSocketImage(304, UnixSocketImage.SOCK_DGRAM,
                UnixSocketImage.TCP_CLOSE, 0, 0, 4096, 8192), 04002);
        List<FdImage> fds = new ArrayList<>(p.fds());
        fds.add(new FdImage(6, true, stream));
        fds.add(new FdImage(7, false, dgram));
        fds.add(new FdImage(8, false, dgram));
        ProcessImage q = new ProcessImage(p.pid(), p.ppid(), p.pgid(), p.sid(), p.comm(), p.taskFlags(), p.personality(),
                p.threads(), mm, p.pages(), fds, p.fs(), p.sigactions(), p.creds(), p.rlimits(), p.sharedPending());
        return List.of(q, base.get(1));
    }

    @Test
    void roundTripsSocketsSysvAttachAndIpcNamespace() throws Exception {
        WriteResult w = new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree(), ipcNs());
        for (String n : List.of("ipcns-var-9.img", "ipcns-shm-9.img", "ipcns-msg-9.img", "ipcns-sem-9.img")) {
            assertTrue(w.files().contains(n), n + " in " + w.files());
        }
        // entry framing plus contents padded to 4 bytes
        byte[] shmFile = Files.readAllBytes(dir.resolve("ipcns-shm-9.img"));
        int entry = (shmFile[8] & 0xff) | (shmFile[9] & 0xff) << 8;
        assertEquals(8 + 4 + entry + 5004, shmFile.length, "magics, entry, 5003 bytes padded to 5004");
        assertEquals(8, Files.size(dir.resolve("ipcns-msg-9.img")), "magics only");

        ImageSet set = new ImageReader(XsaveLayout.INTEL_AVX512).read(dir);
        assertEquals(3, set.inventory().getRootIds().getIpcNsId());
        ProcessImage p = set.processes().get(0);
        FdImage fd6 = p.fds().stream().filter(f -> f.fd() == 6).findFirst().orElseThrow();
        assertEquals(FileKind.UNIX_SOCKET, fd6.file().kind());
        assertTrue(fd6.cloexec());
        UnixSocketImage s = fd6.file().socket();
        assertEquals(303, s.ino());
        assertEquals(UnixSocketImage.TCP_ESTABLISHED, s.state());
        assertEquals(UnixSocketImage.SHUTDOWN_BOTH, s.shutdown());
        assertEquals(212992, s.sndbuf());
        assertEquals(02, fd6.file().flags());
        FdImage fd7 = p.fds().stream().filter(f -> f.fd() == 7).findFirst().orElseThrow();
        FdImage fd8 = p.fds().stream().filter(f -> f.fd() == 8).findFirst().orElseThrow();
        assertTrue(fd7.file() == fd8.file(), "dup'ed socket shares one description");
        assertEquals(UnixSocketImage.SOCK_DGRAM, fd7.file().socket().type());
        assertEquals(04002, fd7.file().flags());

        VmaImage shm = p.mm().vmas().stream().filter(v -> v.start() == SHM_AT).findFirst().orElseThrow();
        assertEquals(new SysvShmAttach(SHMID, true), shm.sysv());
        assertTrue(!shm.privateMemory());

        IpcNamespaceImage ns = set.ipcNamespace();
        assertNotNull(ns);
        assertEquals(8192, ns.vars().msgCtlmax());
        assertArrayEquals(new int[] {32000, 1024000000, 500, 32000}, ns.vars().semCtls());
        assertEquals(Long.MAX_VALUE - 4096, ns.vars().shmCtlmax());
        IpcNamespaceImage.ShmSegment seg = ns.segment(SHMID);
        assertEquals(0x4f00006f, seg.key());
        assertEquals(0600, seg.mode());
        assertEquals(SHM_SIZE, seg.size());
        assertArrayEquals(shmBytes(), seg.contents().open().readAllBytes());

        // every task in the new namespace, which differs from criu's (root_ids)
        for (ProcessImage q : set.processes()) {
            TaskKobjIdsEntry ids;
            try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.ids(q.pid())), ImageFormat.IDS_MAGIC)) {
                ids = in.only(TaskKobjIdsEntry.parser());
            }
            assertEquals(ImageWriter.OWN_IPC_NS, ids.getIpcNsId());
        }
        // the fdinfo types and the unix_sk_entry as criu reads them
        List<FileEntry> files;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.files()), ImageFormat.FILES_MAGIC)) {
            files = in.all(FileEntry.parser(), 100);
        }
        UnixSkEntry u = files.stream().filter(FileEntry::hasUsk).map(FileEntry::getUsk).filter(e -> e.getIno() == 303)
                .findFirst().orElseThrow();
        assertEquals(0, u.getPeer());
        assertEquals(0, u.getName().size());
        assertTrue(u.getOpts().isInitialized(), "required sk_opts fields set");
        List<FdinfoEntry> fdinfo;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.fdinfo(2)), ImageFormat.FDINFO_MAGIC)) {
            fdinfo = in.all(FdinfoEntry.parser(), 100);
        }
        assertEquals(FdTypes.UNIXSK, fdinfo.stream().filter(e -> e.getFd() == 6).findFirst().orElseThrow().getType());
        assertEquals(FdTypes.REG, fdinfo.stream().filter(e -> e.getFd() == 1).findFirst().orElseThrow().getType());
    }

    @Test
    void withoutIpcNamespaceTasksStayInCriusAndNoIpcImagesAreWritten() throws Exception {
        WriteResult w = new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, SyntheticTree.tree());
        assertTrue(w.files().stream().noneMatch(n -> n.startsWith("ipcns-")), w.files().toString());
        assertNull(new ImageReader(XsaveLayout.INTEL_AVX512).read(dir).ipcNamespace());
    }

    @Test
    void sysvAttachNeedsItsSegmentInTheNamespace() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree(), null));
        assertTrue(e.getMessage().contains("SysV shm segment " + SHMID), e.getMessage());
    }

    @Test
    void shortSegmentContentsAreAnError() {
        IpcNamespaceImage ok = ipcNs();
        IpcNamespaceImage shortNs = new IpcNamespaceImage(ok.vars(), List.of(new IpcNamespaceImage.ShmSegment(SHMID,
                1, 0, 0, 0, 0, 0600, SHM_SIZE, () -> new ByteArrayInputStream(new byte[100]))));
        var e = assertThrows(IOException.class,
                () -> new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree(), shortNs));
        assertTrue(e.getMessage().contains("100 of " + SHM_SIZE), e.getMessage());
    }

    @Test
    void statelessSocketRulesAreEnforced() {
        assertThrows(IllegalArgumentException.class, () -> new UnixSocketImage(0, 1, 7, 0, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new UnixSocketImage(5, 1, 10, 0, 0, 1, 1)); // listening
        // an established stream socket without a peer must be shut down both ways
        assertThrows(IllegalArgumentException.class, () -> new UnixSocketImage(5, 1, 1, 1, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new FileImage(FileKind.UNIX_SOCKET, "x", 0, 0, 0, 0));
    }

    @Test
    void critDecodesSocketAndIpcImages() throws Exception {
        String crit = Crit.path();
        Assumptions.assumeTrue(crit != null, "crit not installed: skipping CRIU decode check");
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree(), ipcNs());
        String files = Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("files.img").toString());
        assertTrue(files.contains("\"type\": \"UNIXSK\""), files);
        assertTrue(files.contains("\"shutdown\": \"BOTH\""), files);
        assertTrue(files.contains("\"state\": \"ESTABLISHED\""), files);
        String shm = Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("ipcns-shm-9.img").toString());
        assertTrue(shm.contains("\"size\": " + SHM_SIZE), shm);
        assertTrue(shm.contains("\"id\": " + SHMID), shm);
        String var = Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("ipcns-var-9.img").toString());
        assertTrue(var.contains("\"shm_ctlmni\": 4096"), var);
        Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("ipcns-msg-9.img").toString());
        Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("ipcns-sem-9.img").toString());
        String mm = Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("mm-100.img").toString());
        assertTrue(mm.contains("VMA_AREA_SYSVIPC"), mm);
        String fds = Crit.run(crit, "x", dir.toString(), "fds");
        assertTrue(fds.contains("6: unix[303 (0)]"), fds);
    }
}
