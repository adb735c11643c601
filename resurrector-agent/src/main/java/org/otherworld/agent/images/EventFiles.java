package org.otherworld.agent.images;

import java.util.ArrayList;
import java.util.List;
import org.otherworld.agent.images.proto.EventfdFileEntry;
import org.otherworld.agent.images.proto.EventpollFileEntry;
import org.otherworld.agent.images.proto.EventpollTfdEntry;
import org.otherworld.agent.images.proto.FdTypes;
import org.otherworld.agent.images.proto.FhEntry;
import org.otherworld.agent.images.proto.FileEntry;
import org.otherworld.agent.images.proto.FownEntry;
import org.otherworld.agent.images.proto.InotifyFileEntry;
import org.otherworld.agent.images.proto.InotifyWdEntry;
import org.otherworld.agent.images.proto.SignalfdEntry;
import org.otherworld.agent.images.proto.TimerfdEntry;

/**
 * Encodes and decodes the files.img entries of eventfds, epolls, timerfds, signalfds and inotify
 * instances (criu/eventfd.c, eventpoll.c, timerfd.c, signalfd.c, fsnotify.c of criu 3.17.1; all inline
 * in file_entry, no separate images).
 */
public final class EventFiles {
    private static final FownEntry NO_OWNER = FownEntry.newBuilder().setUid(0).setEuid(0).setSignum(0).setPidType(0)
            .setPid(0).build();
    /** O_NONBLOCK: the only flag inotify_init1 accepts besides IN_CLOEXEC (close-on-exec is per fd). */
    static final int O_NONBLOCK = 04000;

    private EventFiles() {
    }

    /** Whether {@code k} is one of the kinds this class encodes. */
    static boolean handles(FileKind k) {
        return k == FileKind.EVENTFD || k == FileKind.EPOLL || k == FileKind.TIMERFD || k == FileKind.SIGNALFD
                || k == FileKind.INOTIFY;
    }

    /** The fd type of kind {@code k}. */
    static FdTypes fdType(FileKind k) {
        return switch (k) {
            case EVENTFD -> FdTypes.EVENTFD;
            case EPOLL -> FdTypes.EVENTPOLL;
            case TIMERFD -> FdTypes.TIMERFD;
            case SIGNALFD -> FdTypes.SIGNALFD;
            case INOTIFY -> FdTypes.INOTIFY;
            default -> throw new IllegalArgumentException(k + " is not an event file kind");
        };
    }

    /** The file_entry of {@code f} with file id {@code id}. */
    static FileEntry fileEntry(int id, FileImage f) {
        FileEntry.Builder e = FileEntry.newBuilder().setType(fdType(f.kind())).setId(id);
        int flags = f.flags();
        FileDetail d = f.detail();
        if (d instanceof EventfdImage ev) {
            e.setEfd(EventfdFileEntry.newBuilder().setId(id).setFlags(flags).setFown(NO_OWNER).setCounter(ev.counter()));
        } else if (d instanceof SignalfdImage s) {
            e.setSgfd(SignalfdEntry.newBuilder().setId(id).setFlags(flags).setFown(NO_OWNER).setSigmask(s.sigmask()));
        } else if (d instanceof TimerfdImage t) {
            e.setTfd(TimerfdEntry.newBuilder().setId(id).setFlags(flags).setFown(NO_OWNER)
                    .setClockid(t.clockid()).setTicks(t.ticks()).setSettimeFlags(t.settimeFlags())
                    .setVsec(t.valueNs() / TimerfdImage.NSEC_PER_SEC).setVnsec(t.valueNs() % TimerfdImage.NSEC_PER_SEC)
                    .setIsec(t.intervalNs() / TimerfdImage.NSEC_PER_SEC)
                    .setInsec(t.intervalNs() % TimerfdImage.NSEC_PER_SEC));
        } else if (d instanceof EpollImage ep) {
            EventpollFileEntry.Builder b = EventpollFileEntry.newBuilder().setId(id).setFlags(flags).setFown(NO_OWNER);
            for (EpollImage.Target t : ep.targets()) {
                b.addTfd(EventpollTfdEntry.newBuilder().setId(id).setTfd(t.fd()).setEvents(t.events()).setData(t.data()));
            }
            e.setEpfd(b);
        } else if (d instanceof InotifyImage in) {
            // inotify_init1() accepts only IN_NONBLOCK / IN_CLOEXEC (close-on-exec is the fd's own flag)
            InotifyFileEntry.Builder b = InotifyFileEntry.newBuilder().setId(id).setFlags(flags & O_NONBLOCK)
                    .setFown(NO_OWNER);
            for (InotifyImage.Watch w : in.watches()) {
                FhEntry.Builder fh = FhEntry.newBuilder().setBytes(w.handleBytes()).setType(w.handleType())
                        .setPath(w.path());
                for (long word : w.handle()) {
                    fh.addHandle(word);
                }
                b.addWd(InotifyWdEntry.newBuilder().setId(id).setIIno(w.ino()).setMask(w.mask()).setIgnoredMask(0)
                        .setSDev(w.sDev()).setWd(w.wd()).setFHandle(fh));
            }
            e.setIfy(b);
        } else {
            throw new IllegalArgumentException("file " + f.path() + ": " + f.kind() + " is not an event file");
        }
        return e.build();
    }

    /** The {@link FileImage} of an event file entry, or null if {@code e} is not one. */
    static FileImage toImage(FileEntry e) {
        if (e.hasEfd()) {
            EventfdFileEntry x = e.getEfd();
            return image(FileKind.EVENTFD, "anon_inode:[eventfd]", x.getFlags(), new EventfdImage(x.getCounter()));
        }
        if (e.hasSgfd()) {
            SignalfdEntry x = e.getSgfd();
            return image(FileKind.SIGNALFD, "anon_inode:[signalfd]", x.getFlags(), new SignalfdImage(x.getSigmask()));
        }
        if (e.hasTfd()) {
            TimerfdEntry x = e.getTfd();
            return image(FileKind.TIMERFD, "anon_inode:[timerfd]", x.getFlags(), new TimerfdImage(x.getClockid(),
                    x.getTicks(), x.getSettimeFlags(), x.getVsec() * TimerfdImage.NSEC_PER_SEC + x.getVnsec(),
                    x.getIsec() * TimerfdImage.NSEC_PER_SEC + x.getInsec()));
        }
        if (e.hasEpfd()) {
            EventpollFileEntry x = e.getEpfd();
            List<EpollImage.Target> t = new ArrayList<>();
            for (EventpollTfdEntry d : x.getTfdList()) {
                t.add(new EpollImage.Target(d.getTfd(), d.getEvents(), d.getData()));
            }
            return image(FileKind.EPOLL, "anon_inode:[eventpoll]", x.getFlags(), new EpollImage(t));
        }
        if (e.hasIfy()) {
            InotifyFileEntry x = e.getIfy();
            List<InotifyImage.Watch> w = new ArrayList<>();
            for (InotifyWdEntry d : x.getWdList()) {
                long[] h = d.getFHandle().getHandleList().stream().mapToLong(Long::longValue).toArray();
                w.add(new InotifyImage.Watch(d.getWd(), d.getMask(), d.getIIno(), d.getSDev(), d.getFHandle().getPath(),
                        d.getFHandle().getType(), h, d.getFHandle().getBytes()));
            }
            return image(FileKind.INOTIFY, "anon_inode:inotify", x.getFlags(), new InotifyImage(w));
        }
        return null;
    }

    private static FileImage image(FileKind k, String path, int flags, FileDetail d) {
        return new FileImage(k, path, flags, 0, 0, 0, d);
    }

    /** The description of an event file as /proc shows its link ("anon_inode:[eventfd]" ...). */
    static String procName(FileKind k) {
        return switch (k) {
            case EVENTFD -> "anon_inode:[eventfd]";
            case EPOLL -> "anon_inode:[eventpoll]";
            case TIMERFD -> "anon_inode:[timerfd]";
            case SIGNALFD -> "anon_inode:[signalfd]";
            case INOTIFY -> "anon_inode:inotify";
            default -> throw new IllegalArgumentException(k + " is not an event file kind");
        };
    }

    /** An event file of kind {@code detail}'s type with open flags {@code flags}. */
    public static FileImage of(FileKind kind, FileDetail detail, int flags) {
        return image(kind, procName(kind), flags, detail);
    }
}
