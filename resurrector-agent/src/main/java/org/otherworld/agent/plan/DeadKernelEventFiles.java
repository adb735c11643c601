package org.otherworld.agent.plan;

import java.util.ArrayList;
import java.util.List;
import org.otherworld.agent.files.EventObjects;
import org.otherworld.agent.files.FilesContext;
import org.otherworld.agent.files.InodePaths;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.images.EventfdImage;
import org.otherworld.agent.images.InotifyImage;
import org.otherworld.agent.images.SignalfdImage;
import org.otherworld.agent.images.TimerfdImage;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;

/**
 * Reads the eventfd, timerfd, signalfd, epoll and inotify objects behind descriptors of the dead kernel
 * ({@link EventObjects}, from {@code file->private_data}) and decides how each is restored: the rules
 * are in docs/resurrection.md ("eventfd, timerfd, signalfd, epoll, inotify").
 */
final class DeadKernelEventFiles {
    private final DeadKernel kernel;
    private final java.util.function.LongSupplier wallNowNs;
    private DeadKernelClocks.Reading clocks;
    private String clocksError;
    private FilesContext files;
    private InodePaths paths;

    DeadKernelEventFiles(DeadKernel kernel, java.util.function.LongSupplier wallNowNs) {
        this.kernel = kernel;
        this.wallNowNs = wallNowNs;
    }

    EventFileFacts read(OpenFile f) {
        long priv;
        try {
            priv = kernel.object("file", f.file()).pointer("private_data");
        } catch (RuntimeException e) {
            return EventFileFacts.unrestorable("its struct file is unreadable: " + e.getMessage());
        }
        try {
            return switch (f.kind()) {
                case EVENTFD -> eventfd(EventObjects.eventfd(kernel.types(), kernel.kernelMemory(), priv));
                case SIGNALFD -> EventFileFacts.of(new SignalfdImage(EventObjects.signalfdMask(kernel.types(),
                        kernel.kernelMemory(), priv)));
                case TIMERFD -> timerfd(EventObjects.timerfd(kernel.types(), kernel.kernelMemory(), priv));
                case EPOLL -> EventFileFacts.epoll(EventObjects.epoll(kernel.types(), kernel.kernelMemory(), priv));
                case INOTIFY -> inotify(priv);
                default -> null;
            };
        } catch (RuntimeException e) {
            return EventFileFacts.unrestorable("its kernel object is unreadable: " + e.getMessage());
        }
    }

    static EventFileFacts eventfd(EventObjects.Eventfd e) {
        if (e.semaphore()) {
            return EventFileFacts.unrestorable("EFD_SEMAPHORE eventfds are not restored (criu 3.17 recreates an "
                    + "eventfd without it)");
        }
        if (Long.compareUnsigned(e.count(), EventfdImage.MAX_COUNTER) > 0) {
            return EventFileFacts.unrestorable("counter " + Long.toUnsignedString(e.count()) + " exceeds what criu "
                    + "3.17's eventfd(unsigned int) can restore");
        }
        return EventFileFacts.of(new EventfdImage(e.count()));
    }

    private EventFileFacts timerfd(EventObjects.Timerfd t) {
        if (clocks == null && clocksError == null) {
            try {
                clocks = DeadKernelClocks.read(kernel);
            } catch (RuntimeException e) {
                clocksError = e.getMessage();
            }
        }
        if (clocks == null) {
            return EventFileFacts.unrestorable("the dead kernel's clocks are unreadable: " + clocksError);
        }
        long now = switch (t.clockid()) {
            case TimerfdImage.CLOCK_MONOTONIC -> clocks.clocks().monotonicNs();
            case TimerfdImage.CLOCK_BOOTTIME -> clocks.clocks().boottimeNs();
            default -> clocks.realtimeNs();
        };
        try {
            return EventFileFacts.of(TimerfdRule.restore(t, now, wallNowNs.getAsLong()));
        } catch (IllegalArgumentException e) {
            return EventFileFacts.unrestorable(e.getMessage());
        }
    }

    private EventFileFacts inotify(long group) {
        if (paths == null) {
            files = FilesContext.of(kernel);
            paths = new InodePaths(files);
        }
        List<String> errors = new ArrayList<>();
        EventObjects.Inotify in = EventObjects.inotify(kernel.types(), kernel.kernelMemory(), group,
                inode -> paths.pathOf(inode, errors));
        return inotify(in, inode -> {
            KObject sb = kernel.object("inode", inode).deref("i_sb");
            return sb == null ? null : files.fsTypeName(sb);
        });
    }

    /** The decision for an inotify group; {@code fsTypeOf} names the filesystem of a watched inode. */
    static EventFileFacts inotify(EventObjects.Inotify in, java.util.function.LongFunction<String> fsTypeOf) {
        if (in.queued() > 0) {
            return EventFileFacts.unrestorable(in.queued() + " queued event(s) not read yet would be lost (criu 3.17 "
                    + "has no image for them)");
        }
        List<InotifyImage.Watch> watches = new ArrayList<>();
        for (EventObjects.InotifyWatch w : in.watches()) {
            String what = "watch " + w.wd() + " (inode " + w.ino() + ")";
            if ((w.mask() & (EventObjects.IN_ONESHOT | EventObjects.IN_EXCL_UNLINK)) != 0) {
                return EventFileFacts.unrestorable(what + ": IN_ONESHOT/IN_EXCL_UNLINK are dropped by criu 3.17");
            }
            String path = w.path();
            if (path == null || !path.startsWith("/") || path.endsWith(ResourceClassifier.DELETED)) {
                return EventFileFacts.unrestorable(what + ": the watched file has no path (deleted)");
            }
            String fs = fsTypeOf.apply(w.inode());
            if (!ResourceClassifier.survives(fs)) {
                return EventFileFacts.unrestorable(what + ": " + path + " is on " + fs + ", which does not survive "
                        + "the crash");
            }
            watches.add(new InotifyImage.Watch(w.wd(), w.mask(), w.ino(), w.sDev(), path, InotifyImage.FILEID_INO32_GEN,
                    InotifyImage.ino32GenHandle(w.ino(), w.generation()), 8));
        }
        return EventFileFacts.of(new InotifyImage(watches));
    }
}
