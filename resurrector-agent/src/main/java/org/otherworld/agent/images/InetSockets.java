package org.otherworld.agent.images;

import java.io.IOException;
import java.nio.file.Path;
import org.otherworld.agent.images.proto.FdTypes;
import org.otherworld.agent.images.proto.FileEntry;
import org.otherworld.agent.images.proto.FownEntry;
import org.otherworld.agent.images.proto.InetSkEntry;
import org.otherworld.agent.images.proto.SkOptsEntry;
import org.otherworld.agent.images.proto.SkShutdown;
import org.otherworld.agent.images.proto.TcpStreamEntry;

/**
 * Encodes and decodes {@link InetSocketImage}s: the inet_sk_entry of files.img and, for an established
 * TCP connection, its {@code tcp-stream-<ino>.img} (criu/sk-tcp.c: the entry, then the receive-queue
 * bytes, then the send-queue bytes, raw and unpadded).
 */
public final class InetSockets {
    private static final FownEntry NO_OWNER = FownEntry.newBuilder().setUid(0).setEuid(0).setSignum(0).setPidType(0)
            .setPid(0).build();

    private InetSockets() {
    }

    /** The file_entry of socket {@code s} with file id {@code id} and open flags {@code flags}. */
    static FileEntry fileEntry(int id, InetSocketImage s, int flags) {
        SkOptsEntry opts = SkOptsEntry.newBuilder().setSoSndbuf(s.sndbuf()).setSoRcvbuf(s.rcvbuf()).setSoSndTmoSec(0)
                .setSoSndTmoUsec(0).setSoRcvTmoSec(0).setSoRcvTmoUsec(0).setReuseaddr(s.reuseaddr())
                .setSoReuseport(s.reuseport()).build();
        InetSkEntry.Builder e = InetSkEntry.newBuilder().setId(id).setIno((int) s.ino()).setFamily(s.family())
                .setType(s.type()).setProto(s.proto()).setState(s.state()).setSrcPort(s.srcPort())
                .setDstPort(s.dstPort()).setFlags(flags).setBacklog(s.backlog()).setFown(NO_OWNER).setOpts(opts);
        if ((s.shutdown() & 3) != 0) {
            // only when shut down: criu 3.17 calls shutdown(sk_decode_shutdown(NONE) = -1) for a present
            // NONE and fails with EINVAL ("Can't shutdown socket into -1", measured in a VM trial)
            e.setShutdown(SkShutdown.forNumber(s.shutdown() & 3));
        }
        for (int w : s.srcAddr()) {
            e.addSrcAddr(w);
        }
        for (int w : s.dstAddr()) {
            e.addDstAddr(w);
        }
        if (s.family() == InetSocketImage.AF_INET6) {
            e.setV6Only(s.v6only());
        }
        return FileEntry.newBuilder().setType(FdTypes.INETSK).setId(id).setIsk(e).build();
    }

    /** The socket an inet_sk_entry describes; its stream (if established TCP) is read from {@code dir}. */
    static FileImage toImage(InetSkEntry e, Path dir) throws IOException {
        int[] src = e.getSrcAddrList().stream().mapToInt(Integer::intValue).toArray();
        int[] dst = e.getDstAddrList().stream().mapToInt(Integer::intValue).toArray();
        long ino = e.getIno() & 0xffffffffL;
        TcpStreamImage stream = e.getProto() == InetSocketImage.IPPROTO_TCP && e.getDstPort() != 0
                ? readStream(dir, ino) : null;
        InetSocketImage s = new InetSocketImage(ino, e.getFamily(), e.getType(), e.getProto(), e.getState(), src,
                e.getSrcPort(), dst, e.getDstPort(), e.getBacklog(), e.getOpts().getSoSndbuf(),
                e.getOpts().getSoRcvbuf(), e.getOpts().getReuseaddr(), e.getOpts().getSoReuseport(), e.getV6Only(),
                e.getShutdown().getNumber(), stream);
        return FileImage.inetSocket(s, e.getFlags());
    }

    /** Writes {@code tcp-stream-<ino>.img} of an established socket; returns its file name. */
    static String writeStream(Path dir, InetSocketImage s) throws IOException {
        TcpStreamImage t = s.stream();
        TcpStreamEntry.Builder b = TcpStreamEntry.newBuilder().setInqLen(t.inq().length).setInqSeq(t.inqSeq())
                .setOutqLen(t.outq().length).setOutqSeq(t.outqSeq()).setOptMask(t.optMask())
                .setSndWscale(t.sndWscale()).setMssClamp(t.mssClamp()).setUnsqLen(t.unsqLen());
        if ((t.optMask() & TcpStreamImage.TCPI_OPT_WSCALE) != 0) {
            b.setRcvWscale(t.rcvWscale());
        }
        if ((t.optMask() & TcpStreamImage.TCPI_OPT_TIMESTAMPS) != 0) {
            b.setTimestamp(t.timestamp());
        }
        if (t.nodelay()) {
            b.setNodelay(true);
        }
        if (t.cork()) {
            b.setCork(true);
        }
        if (t.window() != null) {
            b.setSndWl1(t.window().sndWl1()).setSndWnd(t.window().sndWnd()).setMaxWindow(t.window().maxWindow())
                    .setRcvWnd(t.window().rcvWnd()).setRcvWup(t.window().rcvWup());
        }
        String name = TcpStreamImage.fileName(s.ino());
        try (ImageOutput o = ImageOutput.create(dir.resolve(name), TcpStreamImage.TCP_STREAM_MAGIC)) {
            o.write(b.build());
            o.writeRaw(t.inq());
            o.writeRaw(t.outq());
        }
        return name;
    }

    /** Reads {@code tcp-stream-<ino>.img}. */
    public static TcpStreamImage readStream(Path dir, long ino) throws IOException {
        String name = TcpStreamImage.fileName(ino);
        try (ImageInput in = ImageInput.open(dir.resolve(name), TcpStreamImage.TCP_STREAM_MAGIC)) {
            TcpStreamEntry e = in.next(TcpStreamEntry.parser());
            if (e == null) {
                throw new ImageFormatException(name + ": no tcp_stream_entry");
            }
            if (!e.hasUnsqLen()) {
                throw new ImageFormatException(name + ": no unsq_len (criu: \"No unsq len in the image\")");
            }
            if (e.getInqLen() > TcpStreamImage.MAX_QUEUE || e.getOutqLen() > TcpStreamImage.MAX_QUEUE) {
                throw new ImageFormatException(name + ": queue length out of range");
            }
            byte[] inq = in.raw(e.getInqLen(), 0);
            byte[] outq = in.raw(e.getOutqLen(), 0);
            TcpStreamImage.Window w = e.hasSndWnd() ? new TcpStreamImage.Window(e.getSndWl1(), e.getSndWnd(),
                    e.getMaxWindow(), e.getRcvWnd(), e.getRcvWup()) : null;
            return new TcpStreamImage(e.getInqSeq(), e.getOutqSeq(), e.getUnsqLen(), e.getOptMask(), e.getSndWscale(),
                    e.getRcvWscale(), e.getMssClamp(), e.getTimestamp(), e.getNodelay(), e.getCork(), w, inq, outq);
        }
    }
}
