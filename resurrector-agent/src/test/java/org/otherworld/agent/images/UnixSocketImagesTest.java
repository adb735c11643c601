package org.otherworld.agent.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.proto.FileEntry;
import org.otherworld.agent.images.proto.SkPacketEntry;
import org.otherworld.agent.images.proto.UnixSkEntry;

/** Stateful unix sockets: listening, a connected pair with queued data, names; sk-queues.img. */
class UnixSocketImagesTest {
    @TempDir
    Path dir;

    static final byte[] PATH = "/data/work/srv.sock\0".getBytes(StandardCharsets.US_ASCII);
    static final byte[] ABSTRACT = "\0ow-abstract".getBytes(StandardCharsets.US_ASCII);

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static List<ProcessImage> tree() {
        List<ProcessImage> base = SyntheticTree.tree();
        UnixSocketImage listener = new UnixSocketImage(500, UnixSocketImage.SOCK_STREAM, UnixSocketImage.TCP_LISTEN, 0,
                16, 212992, 212992, 0, PATH, false, List.of());
        UnixSocketImage server = new UnixSocketImage(501, UnixSocketImage.SOCK_STREAM,
                UnixSocketImage.TCP_ESTABLISHED, 0, 0, 212992, 212992, 502, PATH, true, List.of(b("req-7 "), b("req-8 ")));
        UnixSocketImage client = new UnixSocketImage(502, UnixSocketImage.SOCK_STREAM,
                UnixSocketImage.TCP_ESTABLISHED, 0, 0, 212992, 212992, 501, new byte[0], false, List.of(b("ack-6")));
        UnixSocketImage dgram = new UnixSocketImage(503, UnixSocketImage.SOCK_DGRAM, UnixSocketImage.TCP_CLOSE, 0, 0,
                4096, 4096, 0, ABSTRACT, false, List.of(b("d1"), new byte[0], b("d3")));
        ProcessImage parent = PipeImagesTest.withFds(base.get(0), List.of(new FdImage(10, false,
                FileImage.unixSocket(listener, 02)), new FdImage(11, true, FileImage.unixSocket(server, 04002)),
                new FdImage(12, false, FileImage.unixSocket(dgram, 02))));
        ProcessImage child = PipeImagesTest.withFds(base.get(1), List.of(new FdImage(20, false,
                FileImage.unixSocket(client, 02)), new FdImage(21, false, FileImage.unixSocket(dgram, 02))));
        return List.of(parent, child);
    }

    @Test
    void roundTripsNamesPeersOptionsAndQueues() throws Exception {
        WriteResult w = new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree());
        assertTrue(w.files().contains("sk-queues.img"), w.files().toString());
        List<FileEntry> files;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.files()), ImageFormat.FILES_MAGIC)) {
            files = in.all(FileEntry.parser(), 100);
        }
        List<UnixSkEntry> usk = files.stream().filter(FileEntry::hasUsk).map(FileEntry::getUsk).toList();
        assertEquals(4, usk.size(), "the datagram socket held by both processes is one description");
        UnixSkEntry srv = usk.stream().filter(u -> u.getIno() == 501).findFirst().orElseThrow();
        assertEquals(502, srv.getPeer());
        assertArrayEquals(PATH, srv.getName().toByteArray());
        assertTrue(srv.getOpts().getSoPasscred());
        UnixSkEntry lst = usk.stream().filter(u -> u.getIno() == 500).findFirst().orElseThrow();
        assertEquals(UnixSocketImage.TCP_LISTEN, lst.getState());
        assertEquals(16, lst.getBacklog());
        // sk-queues.img: id_for is the receiving socket's file id, packets in order
        List<long[]> order = new java.util.ArrayList<>();
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.skQueues()), ImageFormat.SK_QUEUES_MAGIC)) {
            for (SkPacketEntry e = in.next(SkPacketEntry.parser()); e != null; e = in.next(SkPacketEntry.parser())) {
                byte[] data = in.raw(e.getLength(), 0);
                order.add(new long[] {e.getIdFor(), data.length});
            }
        }
        assertEquals(6, order.size());
        assertEquals(srv.getId(), order.get(0)[0]);
        assertEquals(6, order.get(0)[1]);

        ImageSet set = new ImageReader(XsaveLayout.INTEL_AVX512).read(dir);
        UnixSocketImage s = set.processes().get(0).fds().stream().filter(f -> f.fd() == 11).findFirst().orElseThrow()
                .file().socket();
        assertEquals(502, s.peer());
        assertEquals(List.of("req-7 ", "req-8 "), s.queue().stream().map(x -> new String(x, StandardCharsets.US_ASCII))
                .toList());
        assertTrue(s.passcred());
        UnixSocketImage c = set.processes().get(1).fds().stream().filter(f -> f.fd() == 20).findFirst().orElseThrow()
                .file().socket();
        assertEquals(501, c.peer());
        assertEquals(0, c.name().length);
        assertFalse(c.passcred());
        assertEquals(5, c.queuedBytes());
        UnixSocketImage d = set.processes().get(1).fds().stream().filter(f -> f.fd() == 21).findFirst().orElseThrow()
                .file().socket();
        assertArrayEquals(ABSTRACT, d.name());
        assertEquals(3, d.queue().size());
        assertEquals(0, d.queue().get(1).length, "an empty datagram is a message too");
    }

    @Test
    void noQueueNoQueueFile() throws Exception {
        WriteResult w = new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, SocketAndIpcImagesTest.tree(),
                SocketAndIpcImagesTest.ipcNs());
        assertFalse(w.files().contains("sk-queues.img"));
    }

    @Test
    void rules() {
        assertThrows(IllegalArgumentException.class, () -> new UnixSocketImage(5, 1, UnixSocketImage.TCP_LISTEN, 0, 5,
                1, 1, 0, new byte[0], false, List.of()), "listening without a name");
        assertThrows(IllegalArgumentException.class, () -> new UnixSocketImage(5, 1, 2, 0, 0, 1, 1, 0, null, false,
                null), "SYN_SENT");
        assertThrows(IllegalArgumentException.class, () -> new UnixSocketImage(5, 1, 1, 0, 0, 1, 1, 0, null, false,
                null), "established stream without peer, not shut down");
        assertThrows(IllegalArgumentException.class, () -> new UnixSocketImage(5, 1, 7, 0, 0, 1, 1, 0, new byte[109],
                false, null));
    }
}
