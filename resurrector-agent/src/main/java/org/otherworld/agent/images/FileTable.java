package org.otherworld.agent.images;

import org.otherworld.agent.images.proto.FdTypes;
import org.otherworld.agent.images.proto.FileEntry;
import org.otherworld.agent.images.proto.FownEntry;
import org.otherworld.agent.images.proto.RegFileEntry;
import org.otherworld.agent.images.proto.SkOptsEntry;
import org.otherworld.agent.images.proto.SkShutdown;
import org.otherworld.agent.images.proto.UnixSkEntry;

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
    private final java.util.Set<Long> socketInodes = new java.util.HashSet<>();
    private final List<InetSocketImage> inetSockets = new ArrayList<>();

    /** The id of an open file description. */
    int idOf(FileImage f) {
        Integer id = byIdentity.get(f);
        if (id == null) {
            id = f.kind() == FileKind.UNIX_SOCKET ? addUnixSocket(f.socket(), f.flags())
                    : f.kind() == FileKind.INET_SOCKET ? addInetSocket(f.inet(), f.flags())
                    : add(f.path(), f.flags(), f.pos(), f.kind() == FileKind.REGULAR ? f.size() : -1, f.mode());
            byIdentity.put(f, id);
        }
        return id;
    }

    /** fdinfo_entry.type for a description. */
    static FdTypes fdType(FileImage f) {
        return f.kind() == FileKind.UNIX_SOCKET ? FdTypes.UNIXSK
                : f.kind() == FileKind.INET_SOCKET ? FdTypes.INETSK : FdTypes.REG;
    }

    /** An inet_sk_entry ({@link InetSockets}); established TCP sockets also get a tcp-stream image. */
    private int addInetSocket(InetSocketImage s, int flags) {
        if (!socketInodes.add(s.ino())) {
            throw new IllegalArgumentException("two descriptions of socket inode " + s.ino());
        }
        int id = entries.size() + 1;
        entries.add(InetSockets.fileEntry(id, s, flags));
        inetSockets.add(s);
        return id;
    }

    /** The inet sockets added, in order. */
    List<InetSocketImage> inetSockets() {
        return inetSockets;
    }

    /**
     * A unix_sk_entry without name and peer (criu/sk-unix.c: restored by socket(), or for an established
     * stream socket by socketpair() with the other end closed and both directions shut down). Options are
     * the buffer sizes and no timeouts; uflags 0 (not external, not inherited).
     */
    private int addUnixSocket(UnixSocketImage s, int flags) {
        if (!socketInodes.add(s.ino())) {
            throw new IllegalArgumentException("two descriptions of unix socket inode " + s.ino());
        }
        int id = entries.size() + 1;
        SkOptsEntry opts = SkOptsEntry.newBuilder().setSoSndbuf(s.sndbuf()).setSoRcvbuf(s.rcvbuf()).setSoSndTmoSec(0)
                .setSoSndTmoUsec(0).setSoRcvTmoSec(0).setSoRcvTmoUsec(0).build();
        UnixSkEntry u = UnixSkEntry.newBuilder().setId(id).setIno((int) s.ino()).setType(s.type()).setState(s.state())
                .setFlags(flags).setUflags(0).setBacklog(s.backlog()).setPeer(0).setFown(NO_OWNER).setOpts(opts)
                .setName(com.google.protobuf.ByteString.EMPTY).setShutdown(SkShutdown.forNumber(s.shutdown() & 3))
                .build();
        entries.add(FileEntry.newBuilder().setType(FdTypes.UNIXSK).setId(id).setUsk(u).build());
        return id;
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
    static FileImage toImage(UnixSkEntry u) {
        UnixSocketImage s = new UnixSocketImage(u.getIno() & 0xffffffffL, u.getType(), u.getState(),
                u.getShutdown().getNumber(), u.getBacklog(), u.getOpts().getSoSndbuf(), u.getOpts().getSoRcvbuf());
        return FileImage.unixSocket(s, u.getFlags());
    }

    /** The {@link FileImage} a reg_file_entry describes (kind from the mode's file type). */
    static FileImage toImage(RegFileEntry r) {
        int type = r.getMode() & S_IFMT;
        FileKind kind = type == S_IFDIR ? FileKind.DIRECTORY : type == S_IFCHR ? FileKind.CHAR_DEVICE : FileKind.REGULAR;
        return new FileImage(kind, r.getName(), r.getFlags(), r.getPos(), r.getSize(), r.getMode());
    }
}
