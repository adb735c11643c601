package org.otherworld.agent.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.proto.FdTypes;
import org.otherworld.agent.images.proto.FileEntry;
import org.otherworld.agent.images.proto.InetSkEntry;
import org.otherworld.agent.images.proto.TcpStreamEntry;

/** TCP/UDP sockets in files.img (INETSK) and tcp-stream-INO.img, written and read back. */
class InetSocketImagesTest {
    @TempDir
    Path dir;

    /** 10.0.2.15 and 10.0.2.2 as criu stores them: network-order bytes read as a little-endian word. */
    static final int GUEST = 0x0f02000a, GATEWAY = 0x0202000a;

    static TcpStreamImage stream() {
        return new TcpStreamImage(0xfffffff0, 1015, 5, TcpStreamImage.TCPI_OPT_TIMESTAMPS
                | TcpStreamImage.TCPI_OPT_SACK | TcpStreamImage.TCPI_OPT_WSCALE, 7, 9, 1460, 5101, true, false,
                new TcpStreamImage.Window(990, 64240, 64240, 65483, 0xffffffe0),
                "unread bytes".getBytes(StandardCharsets.US_ASCII), "0123456789XYZWV".getBytes(StandardCharsets.US_ASCII));
    }

    static InetSocketImage established() {
        return new InetSocketImage(0x1234, InetSocketImage.AF_INET, InetSocketImage.SOCK_STREAM,
                InetSocketImage.IPPROTO_TCP, InetSocketImage.TCP_ESTABLISHED, new int[] {GUEST}, 7777,
                new int[] {GATEWAY}, 40000, 0, 87040, 131072, true, false, false, 0, stream());
    }

    static InetSocketImage listener() {
        return new InetSocketImage(0x1233, InetSocketImage.AF_INET6, InetSocketImage.SOCK_STREAM,
                InetSocketImage.IPPROTO_TCP, InetSocketImage.TCP_LISTEN, new int[4], 7778, new int[4], 0, 16, 16384,
                131072, true, false, true, 0, null);
    }

    static InetSocketImage udp() {
        return new InetSocketImage(0x1235, InetSocketImage.AF_INET, InetSocketImage.SOCK_DGRAM,
                InetSocketImage.IPPROTO_UDP, InetSocketImage.TCP_CLOSE, new int[] {0}, 5353, new int[] {0}, 0, 0,
                212992, 212992, false, false, false, 0, null);
    }

    static List<ProcessImage> tree() {
        List<ProcessImage> base = SyntheticTree.tree();
        ProcessImage p = base.get(0);
        List<FdImage> fds = new ArrayList<>(p.fds());
        FileImage est = FileImage.inetSocket(established(), 02);
        fds.add(new FdImage(5, false, FileImage.inetSocket(listener(), 02)));
        fds.add(new FdImage(6, true, est));
        fds.add(new FdImage(7, false, est));
        fds.add(new FdImage(8, false, FileImage.inetSocket(udp(), 04002)));
        ProcessImage q = new ProcessImage(p.pid(), p.ppid(), p.pgid(), p.sid(), p.comm(), p.taskFlags(), p.personality(),
                p.threads(), p.mm(), p.pages(), fds, p.fs(), p.sigactions(), p.creds(), p.rlimits(), p.sharedPending());
        return List.of(q, base.get(1));
    }

    @Test
    void roundTripsListenerEstablishedAndUdp() throws Exception {
        WriteResult w = new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree());
        assertTrue(w.files().contains("tcp-stream-1234.img"), w.files().toString());
        assertFalse(w.files().stream().anyMatch(n -> n.equals("tcp-stream-1233.img") || n.equals("tcp-stream-1235.img")),
                "only established connections have a stream");

        ImageSet set = new ImageReader(XsaveLayout.INTEL_AVX512).read(dir);
        ProcessImage p = set.processes().get(0);
        FileImage f5 = fd(p, 5).file(), f6 = fd(p, 6).file(), f8 = fd(p, 8).file();
        assertEquals(FileKind.INET_SOCKET, f6.kind());
        assertTrue(f6 == fd(p, 7).file(), "dup'ed socket shares one description");
        assertEquals(established(), f6.inet());
        assertEquals(stream(), f6.inet().stream());
        assertEquals(listener(), f5.inet());
        assertNull(f5.inet().stream());
        assertEquals(udp(), f8.inet());
        assertEquals(04002, f8.flags());
        assertTrue(fd(p, 6).cloexec());
    }

    @Test
    void wireLayoutIsWhatCriuReads() throws Exception {
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree());
        InetSkEntry est = null;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.files()), ImageFormat.FILES_MAGIC)) {
            for (FileEntry e : in.all(FileEntry.parser(), 100)) {
                if (e.getType() == FdTypes.INETSK && e.getIsk().getIno() == 0x1234) {
                    est = e.getIsk();
                }
            }
        }
        assertEquals(List.of(GUEST), est.getSrcAddrList());
        assertEquals(List.of(GATEWAY), est.getDstAddrList());
        assertEquals(7777, est.getSrcPort());
        assertEquals(40000, est.getDstPort());
        assertEquals(1, est.getState());
        assertTrue(est.getOpts().getReuseaddr());
        assertFalse(est.hasV6Only(), "v6only only for AF_INET6");
        assertFalse(est.hasShutdown(), "no shutdown field for a socket that is not shut down (criu: shutdown(-1))");

        // tcp-stream: common magic, TCP_STREAM magic, entry, then inq bytes, then outq bytes, unpadded
        byte[] raw = Files.readAllBytes(dir.resolve("tcp-stream-1234.img"));
        assertEquals(0x54564319, u32(raw, 0));
        assertEquals(0x51465506, u32(raw, 4));
        int size = u32(raw, 8);
        TcpStreamEntry e = TcpStreamEntry.parseFrom(java.util.Arrays.copyOfRange(raw, 12, 12 + size));
        assertEquals(12, e.getInqLen());
        assertEquals(0xfffffff0, e.getInqSeq());
        assertEquals(15, e.getOutqLen());
        assertEquals(1015, e.getOutqSeq());
        assertEquals(5, e.getUnsqLen());
        assertTrue(e.hasUnsqLen() && e.hasRcvWscale() && e.hasTimestamp() && e.hasSndWnd());
        assertEquals(9, e.getRcvWscale());
        assertEquals(5101, e.getTimestamp());
        assertEquals(12 + size + 12 + 15, raw.length);
        assertEquals("unread bytes0123456789XYZWV", new String(raw, 12 + size, 27, StandardCharsets.US_ASCII));
    }

    @Test
    void rejectsWhatCriuCannotRestore() {
        assertThrows(IllegalArgumentException.class, () -> new InetSocketImage(1, InetSocketImage.AF_INET,
                InetSocketImage.SOCK_STREAM, InetSocketImage.IPPROTO_TCP, InetSocketImage.TCP_ESTABLISHED,
                new int[] {GUEST}, 7777, new int[] {GATEWAY}, 40000, 0, 1, 1, false, false, false, 0, null),
                "established without a stream");
        assertThrows(IllegalArgumentException.class, () -> new InetSocketImage(1, InetSocketImage.AF_INET,
                InetSocketImage.SOCK_STREAM, InetSocketImage.IPPROTO_TCP, 4, new int[] {GUEST}, 7777,
                new int[] {GATEWAY}, 40000, 0, 1, 1, false, false, false, 0, null), "FIN_WAIT1");
        assertThrows(IllegalArgumentException.class, () -> new InetSocketImage(1, InetSocketImage.AF_INET6,
                InetSocketImage.SOCK_DGRAM, InetSocketImage.IPPROTO_UDP, 7, new int[] {0}, 1, new int[] {0}, 0, 0, 1,
                1, false, false, false, 0, null), "IPv6 needs four words");
        assertThrows(IllegalArgumentException.class, () -> new TcpStreamImage(0, 0, 3, 0, 0, 0, 1460, 0, false,
                false, null, new byte[0], new byte[2]), "unsent longer than the send queue");
    }

    /** CRIU's own decoder (crit, Debian's criu package) reads files.img and the tcp-stream image. */
    @Test
    void critDecodesTheSocketImages() throws Exception {
        String crit = Crit.path();
        org.junit.jupiter.api.Assumptions.assumeTrue(crit != null, "crit not installed: skipping CRIU decode check");
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree());
        String files = Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("files.img").toString());
        assertTrue(files.contains("\"type\": \"INETSK\""), files);
        assertTrue(files.contains("\"src_port\": 7777") && files.contains("\"dst_port\": 40000"), files);
        assertTrue(files.contains("10.0.2.15") && files.contains("10.0.2.2"), "addresses as crit shows them: " + files);
        String stream = Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("tcp-stream-1234.img").toString());
        assertTrue(stream.contains("\"inq_len\": 12") && stream.contains("\"outq_len\": 15")
                && stream.contains("\"unsq_len\": 5"), stream);
        String extra = java.util.Base64.getEncoder().encodeToString("unread bytes".getBytes(StandardCharsets.US_ASCII));
        assertTrue(stream.contains(extra), "receive queue bytes after the entry: " + stream);
    }

    private static FdImage fd(ProcessImage p, int n) {
        return p.fds().stream().filter(f -> f.fd() == n).findFirst().orElseThrow();
    }

    private static int u32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
