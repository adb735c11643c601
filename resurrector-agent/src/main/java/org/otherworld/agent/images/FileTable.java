package org.otherworld.agent.images;

import org.otherworld.agent.images.proto.FdTypes;
import org.otherworld.agent.images.proto.FifoEntry;
import org.otherworld.agent.images.proto.PipeEntry;
import org.otherworld.agent.images.proto.FileEntry;
import org.otherworld.agent.images.proto.FownEntry;
import org.otherworld.agent.images.proto.RegFileEntry;
import org.otherworld.agent.images.proto.SkOptsEntry;
import org.otherworld.agent.images.proto.SkShutdown;
import org.otherworld.agent.images.proto.UnixSkEntry;
import org.otherworld.agent.images.proto.TermiosEntry;
import org.otherworld.agent.images.proto.TtyFileEntry;
import org.otherworld.agent.images.proto.TtyInfoEntry;
import org.otherworld.agent.images.proto.TtyPtyEntry;
import org.otherworld.agent.images.proto.TtyType;
import org.otherworld.agent.images.proto.WinsizeEntry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assigns file ids and builds the file_entry list of files.img. Open file descriptions of descriptors
 * are identified by {@link FileImage} identity; files opened by path only (exe, mapped files, cwd,
 * root) are shared by path and flags, as CRIU does.
 */
final class FileTable {
    /** S_IFMT and the file types CRIU's reg_file_entry.mode may carry (uapi stat.h). */
    static final int S_IFMT = 0170000, S_IFDIR = 0040000, S_IFCHR = 0020000, S_IFREG = 0100000;

    private final Map<FileImage, Integer> byIdentity = new IdentityHashMap<>();
    private final Map<String, Integer> byPath = new HashMap<>();
    private final List<FileEntry> entries = new ArrayList<>();
    /** socket inode -&gt; its file id: a socket is one open file description however many processes hold it. */
    private final Map<Long, Integer> socketIds = new HashMap<>();
    /** pipe id -&gt; its data, for pipes-data.img and fifo-data.img (insertion order). */
    private final Map<Long, PipeImage> pipes = new java.util.LinkedHashMap<>(), fifos = new java.util.LinkedHashMap<>();
    /** O_DIRECT (packet mode of a pipe; criu refuses it, the classifier never restores it). */
    static final int O_DIRECT = 040000;
    private final List<InetSocketImage> inetSockets = new ArrayList<>();

    /** The id of an open file description. */
    int idOf(FileImage f) {
        Integer id = byIdentity.get(f);
        if (id == null) {
            id = switch (f.kind()) {
                case UNIX_SOCKET -> addUnixSocket(f.socket(), f.flags());
                case INET_SOCKET -> addInetSocket(f.inet(), f.flags());
                case PIPE -> addPipe(f.pipe(), f.flags());
                case FIFO -> addFifo(f);
                case EVENTFD, EPOLL, TIMERFD, SIGNALFD, INOTIFY -> addEventFile(f);
                case TTY -> addTty(f);
                default -> add(f.path(), f.flags(), f.pos(), f.kind() == FileKind.REGULAR ? f.size() : -1, f.mode());
            };
            byIdentity.put(f, id);
        }
        return id;
    }

    /** fdinfo_entry.type for a description. */
    static FdTypes fdType(FileImage f) {
        return switch (f.kind()) {
            case UNIX_SOCKET -> FdTypes.UNIXSK;
            case INET_SOCKET -> FdTypes.INETSK;
            case PIPE -> FdTypes.PIPE;
            case FIFO -> FdTypes.FIFO;
            case EVENTFD, EPOLL, TIMERFD, SIGNALFD, INOTIFY -> EventFiles.fdType(f.kind());
            case TTY -> FdTypes.TTY;
            default -> FdTypes.REG;
        };
    }

    /**
     * An inet_sk_entry ({@link InetSockets}); established TCP sockets also get a tcp-stream image. Like a
     * unix socket, a socket held by several processes (or fds) is one description.
     */
    private int addInetSocket(InetSocketImage s, int flags) {
        Integer known = socketIds.get(s.ino());
        if (known != null) {
            return known;
        }
        int id = entries.size() + 1;
        entries.add(InetSockets.fileEntry(id, s, flags));
        inetSockets.add(s);
        socketIds.put(s.ino(), id);
        return id;
    }

    /** An eventfd, epoll, timerfd, signalfd or inotify entry ({@link EventFiles}). */
    private int addEventFile(FileImage f) {
        int id = entries.size() + 1;
        entries.add(EventFiles.fileEntry(id, f));
        return id;
    }

    /** The inet sockets added, in order. */
    List<InetSocketImage> inetSockets() {
        return inetSockets;
    }

    /**
     * A pipe_entry (criu/pipes.c dump_one_pipe(): flags without O_DIRECT, no owner). All ends with the
     * same pipe id become one pipe on restore; its data is written once to pipes-data.img.
     */
    private int addPipe(PipeImage p, int flags) {
        notePipe(pipes, p);
        int id = entries.size() + 1;
        PipeEntry pe = PipeEntry.newBuilder().setId(id).setPipeId((int) p.pipeId()).setFlags(flags & ~O_DIRECT)
                .setFown(NO_OWNER).build();
        entries.add(FileEntry.newBuilder().setType(FdTypes.PIPE).setId(id).setPipe(pe).build());
        return id;
    }

    /**
     * A fifo_entry plus the reg_file_entry that carries its path, open flags and st_mode (criu/fifo.c
     * dump_one_fifo(): the regular-file entry has an id of its own, referenced by fifo_entry.regf_id
     * only). Its data goes to fifo-data.img.
     */
    private int addFifo(FileImage f) {
        notePipe(fifos, f.pipe());
        int regId = add(f.path(), f.flags() & ~O_DIRECT, 0, -1, f.mode());
        int id = entries.size() + 1;
        FifoEntry fe = FifoEntry.newBuilder().setId(id).setPipeId((int) f.pipe().pipeId()).setRegfId(regId).build();
        entries.add(FileEntry.newBuilder().setType(FdTypes.FIFO).setId(id).setFifo(fe).build());
        return id;
    }

    private static void notePipe(Map<Long, PipeImage> seen, PipeImage p) {
        PipeImage old = seen.putIfAbsent(p.pipeId(), p);
        if (old != null && !old.sameAs(p)) {
            throw new IllegalArgumentException("pipe " + p.pipeId() + ": two ends disagree on its contents (" + old
                    + " / " + p + ")");
        }
    }

    /** tty_info id -&gt; the end it describes (insertion order), for tty-info.img and tty-data.img. */
    private final Map<Integer, TtyImage> ttys = new java.util.LinkedHashMap<>();

    /**
     * A tty_file_entry plus the reg_file_entry with its path, open flags and st_mode (criu/tty.c
     * dump_one_tty(): the regular-file entry has an id of its own, named by regf_id; criu opens the path
     * with O_NOCTTY and fchmod()s it to the mode). Every description of one end names the same tty_info.
     */
    private int addTty(FileImage f) {
        TtyImage t = f.tty();
        TtyImage old = ttys.putIfAbsent(t.infoId(), t);
        if (old != null && !old.sameAs(t)) {
            throw new IllegalArgumentException("pty " + t.index() + ": two descriptions of its " + (t.master()
                    ? "master" : "slave") + " disagree (" + old + " / " + t + ")");
        }
        int regId = add(f.path(), f.flags(), 0, -1, f.mode());
        int id = entries.size() + 1;
        TtyFileEntry te = TtyFileEntry.newBuilder().setId(id).setTtyInfoId(t.infoId()).setFlags(f.flags())
                .setFown(NO_OWNER).setRegfId(regId).build();
        entries.add(FileEntry.newBuilder().setType(FdTypes.TTY).setId(id).setTty(te).build());
        return id;
    }

    /** The pty ends referenced so far, one per tty_info id. */
    java.util.Collection<TtyImage> ttys() {
        return ttys.values();
    }

    /** The tty_info_entry of {@code t} (criu/tty.c dump_tty_info()). */
    static TtyInfoEntry ttyInfo(TtyImage t) {
        return TtyInfoEntry.newBuilder().setId(t.infoId()).setType(TtyType.PTY).setLocked(t.master() && t.locked())
                .setExclusive(t.exclusive()).setPacketMode(t.master() && t.packetMode()).setSid(t.sid())
                .setPgrp(t.pgrp()).setRdev(t.rdev()).setTermios(termios(t.termios()))
                .setTermiosLocked(termios(t.termiosLocked()))
                .setWinsize(WinsizeEntry.newBuilder().setWsRow(t.winsize().row()).setWsCol(t.winsize().col())
                        .setWsXpixel(t.winsize().xpixel()).setWsYpixel(t.winsize().ypixel()))
                .setPty(TtyPtyEntry.newBuilder().setIndex(t.index())).build();
    }

    /** Words of termios_entry.c_cc: criu copies glibc's 32-byte c_cc array into them, 4 bytes per word. */
    static final int CC_WORDS = 19, CC_BYTES = 32;

    static TermiosEntry termios(TtyImage.Termios t) {
        TermiosEntry.Builder b = TermiosEntry.newBuilder().setCIflag(t.iflag()).setCOflag(t.oflag())
                .setCCflag(t.cflag()).setCLflag(t.lflag()).setCLine(t.line()).setCIspeed(t.ispeed())
                .setCOspeed(t.ospeed());
        byte[] cc = java.util.Arrays.copyOf(t.cc(), CC_WORDS * 4);
        for (int w = 0; w < CC_WORDS; w++) {
            b.addCCc((cc[4 * w] & 0xff) | (cc[4 * w + 1] & 0xff) << 8 | (cc[4 * w + 2] & 0xff) << 16
                    | (cc[4 * w + 3] & 0xff) << 24);
        }
        return b.build();
    }

    /** The termios of a termios_entry (the kernel's 19 c_cc bytes out of the packed words). */
    static TtyImage.Termios termios(TermiosEntry e) throws ImageFormatException {
        if (e.getCCcCount() < CC_WORDS) {
            throw new ImageFormatException("termios_entry has " + e.getCCcCount() + " c_cc words, criu needs "
                    + CC_WORDS);
        }
        byte[] cc = new byte[TtyImage.NCCS];
        for (int i = 0; i < cc.length; i++) {
            cc[i] = (byte) (e.getCCc(i / 4) >>> (8 * (i % 4)));
        }
        return new TtyImage.Termios(e.getCIflag(), e.getCOflag(), e.getCCflag(), e.getCLflag(), e.getCLine(), cc,
                e.getCIspeed(), e.getCOspeed());
    }

    /** The {@link FileImage} of a tty_file_entry, its reg_file_entry, tty_info_entry and readable bytes. */
    static FileImage toImage(TtyFileEntry f, RegFileEntry r, TtyInfoEntry i, byte[] unread) throws ImageFormatException {
        if (i.getType() != TtyType.PTY || !i.hasPty() || !i.hasTermios() || !i.hasTermiosLocked() || !i.hasWinsize()) {
            throw new ImageFormatException("tty-info.img entry " + i.getId() + " is not a pty end with settings");
        }
        boolean master = (i.getId() & 1) == 1;
        if (i.getId() >>> 1 != i.getPty().getIndex()) {
            throw new ImageFormatException("tty-info.img entry " + i.getId() + ": index " + i.getPty().getIndex()
                    + " does not match its id");
        }
        WinsizeEntry w = i.getWinsize();
        try {
            TtyImage t = new TtyImage(i.getPty().getIndex(), master, termios(i.getTermios()),
                    termios(i.getTermiosLocked()), new TtyImage.Winsize(w.getWsRow(), w.getWsCol(), w.getWsXpixel(),
                    w.getWsYpixel()), i.getLocked(), i.getPacketMode(), i.getExclusive(), i.getSid(), i.getPgrp(),
                    unread);
            return FileImage.tty(t, r.getName(), f.getFlags(), r.getMode());
        } catch (IllegalArgumentException e) {
            throw new ImageFormatException("tty-info.img entry " + i.getId() + ": " + e.getMessage());
        }
    }

    /** The anonymous pipes referenced so far, one per pipe id. */
    java.util.Collection<PipeImage> pipes() {
        return pipes.values();
    }

    /** The FIFOs referenced so far, one per pipe id. */
    java.util.Collection<PipeImage> fifos() {
        return fifos.values();
    }

    /**
     * A unix_sk_entry (criu/sk-unix.c): name and peer as the socket had them, options the buffer sizes,
     * SO_PASSCRED and no timeouts; uflags 0 (not external, not inherited). Its queued messages are
     * noted for sk-queues.img under this entry's id (sk_packet_entry.id_for is the receiving socket).
     */
    private int addUnixSocket(UnixSocketImage s, int flags) {
        Integer known = socketIds.get(s.ino());
        if (known != null) {
            return known; // one socket held by several processes (inherited): one description, as in the kernel
        }
        int id = entries.size() + 1;
        socketIds.put(s.ino(), id);
        SkOptsEntry.Builder opts = SkOptsEntry.newBuilder().setSoSndbuf(s.sndbuf()).setSoRcvbuf(s.rcvbuf())
                .setSoSndTmoSec(0).setSoSndTmoUsec(0).setSoRcvTmoSec(0).setSoRcvTmoUsec(0);
        if (s.passcred()) {
            opts.setSoPasscred(true);
        }
        UnixSkEntry u = UnixSkEntry.newBuilder().setId(id).setIno((int) s.ino()).setType(s.type()).setState(s.state())
                .setFlags(flags).setUflags(0).setBacklog(s.backlog()).setPeer((int) s.peer()).setFown(NO_OWNER)
                .setOpts(opts).setName(com.google.protobuf.ByteString.copyFrom(s.name()))
                .setShutdown(SkShutdown.forNumber(s.shutdown() & 3)).build();
        entries.add(FileEntry.newBuilder().setType(FdTypes.UNIXSK).setId(id).setUsk(u).build());
        for (byte[] packet : s.queue()) {
            packets.add(new Packet(id, packet));
        }
        return id;
    }

    /** One queued message of the socket with file id {@code idFor}. */
    record Packet(int idFor, byte[] data) {
    }

    private final List<Packet> packets = new ArrayList<>();

    /** The queued messages of all unix sockets so far, per socket oldest first. */
    List<Packet> packets() {
        return packets;
    }

    private static final FownEntry NO_OWNER = FownEntry.newBuilder().setUid(0).setEuid(0).setSignum(0).setPidType(0)
            .setPid(0).build();

    /** The id of a file referenced by path only (no position, no size check). */
    int idOfPath(String path, int flags) {
        String key = flags + ":" + path;
        Integer id = byPath.get(key);
        if (id == null) {
            id = add(path, flags, 0, -1, 0);
            byPath.put(key, id);
        }
        return id;
    }

    private int add(String path, int flags, long pos, long size, int mode) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("file path must be absolute: " + path);
        }
        int id = entries.size() + 1;
        RegFileEntry.Builder r = RegFileEntry.newBuilder().setId(id).setFlags(flags).setPos(pos)
                .setFown(NO_OWNER)
                .setName(path);
        if (size >= 0) {
            r.setSize(size);
        }
        if (mode != 0) {
            r.setMode(mode);
        }
        entries.add(FileEntry.newBuilder().setType(FdTypes.REG).setId(id).setReg(r).build());
        return id;
    }

    List<FileEntry> entries() {
        return entries;
    }

    /** The {@link FileImage} a unix_sk_entry describes. */
    static FileImage toImage(UnixSkEntry u, List<byte[]> queue) {
        UnixSocketImage s = new UnixSocketImage(u.getIno() & 0xffffffffL, u.getType(), u.getState(),
                u.getShutdown().getNumber(), u.getBacklog(), u.getOpts().getSoSndbuf(), u.getOpts().getSoRcvbuf(),
                u.getPeer() & 0xffffffffL, u.getName().toByteArray(), u.getOpts().getSoPasscred(), queue);
        return FileImage.unixSocket(s, u.getFlags());
    }

    /** The {@link FileImage} of a pipe_entry with its pipe ({@code data} from pipes-data.img). */
    static FileImage toImage(PipeEntry p, PipeImage data) {
        return FileImage.pipe(data, p.getFlags());
    }

    /** The {@link FileImage} of a fifo_entry, its reg_file_entry and its pipe. */
    static FileImage toImage(FifoEntry f, RegFileEntry r, PipeImage data) {
        return FileImage.fifo(data, r.getName(), r.getFlags(), r.getMode());
    }

    /** The {@link FileImage} a reg_file_entry describes (kind from the mode's file type). */
    static FileImage toImage(RegFileEntry r) {
        int type = r.getMode() & S_IFMT;
        FileKind kind = type == S_IFDIR ? FileKind.DIRECTORY : type == S_IFCHR ? FileKind.CHAR_DEVICE : FileKind.REGULAR;
        return new FileImage(kind, r.getName(), r.getFlags(), r.getPos(), r.getSize(), r.getMode());
    }
}
