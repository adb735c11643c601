package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.files.EventObjects;
import org.otherworld.agent.files.FileKind;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.images.EpollImage;
import org.otherworld.agent.images.EventfdImage;
import org.otherworld.agent.images.FdImage;
import org.otherworld.agent.images.InotifyImage;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.images.ProcessImage;
import org.otherworld.agent.images.SignalfdImage;
import org.otherworld.agent.images.TimerfdImage;
import org.otherworld.agent.task.ProcessModel;

/** eventfd, timerfd, signalfd, epoll and inotify: the restore rules and the classification. */
class EventFilePlanTest {
    static final long S = 1_000_000_000L;

    static OpenFile anon(int fd, FileKind kind) {
        String name = switch (kind) {
            case EVENTFD -> "anon_inode:[eventfd]";
            case EPOLL -> "anon_inode:[eventpoll]";
            case TIMERFD -> "anon_inode:[timerfd]";
            case SIGNALFD -> "anon_inode:[signalfd]";
            default -> "anon_inode:inotify";
        };
        return new OpenFile(fd, false, 0xe000L + fd, 02 | 04000, 3, 0, name, 14, 0xffff888000700000L, 77, 0600, 0, 14,
                "anon_inodefs", 0, null, kind, null, name);
    }

    // ---- timerfd ----

    static EventObjects.Timerfd timer(int clock, long ticks, boolean expired, int flags, long expires, long interval,
                                      boolean queued) {
        return new EventObjects.Timerfd(clock, ticks, expired, flags, expires, interval, queued);
    }

    @Test
    void monotonicTimerKeepsItsTimeLeftRelative() {
        // armed at 100.4 s for 101 s (abs), every 1 s; crash at 100.25 s: 0.75 s left, ticks 0
        TimerfdImage t = TimerfdRule.restore(timer(1, 0, false, 1, 101 * S, S, true), 100 * S + S / 4, 0);
        assertEquals(new TimerfdImage(1, 0, 0, 3 * S / 4, S), t);
    }

    @Test
    void firedPeriodicTimerIsForwardedLikeTheKernelsRead() {
        // fired at 100 s (ticks 1, not read, not re-armed); crash at 102.5 s: fired at 101, 102 too
        TimerfdImage t = TimerfdRule.restore(timer(1, 1, true, 0, 100 * S, S, false), 102 * S + S / 2, 0);
        assertEquals(3, t.ticks());
        assertEquals(S / 2, t.valueNs());
        assertEquals(S, t.intervalNs());
    }

    @Test
    void oneShotFiredOrReadIsDisarmedAndDisarmedStaysSo() {
        TimerfdImage fired = TimerfdRule.restore(timer(7, 1, true, 0, 50 * S, 0, false), 60 * S, 0);
        assertEquals(new TimerfdImage(7, 1, 0, 0, 0), fired);
        TimerfdImage read = TimerfdRule.restore(timer(1, 0, false, 0, 50 * S, 0, false), 60 * S, 0);
        assertFalse(read.armed(), "fired and read: not queued any more");
        TimerfdImage never = TimerfdRule.restore(timer(1, 0, false, 0, 0, 0, false), 60 * S, 0);
        assertFalse(never.armed());
    }

    @Test
    void queuedTimerWhoseDeadlinePassedFiresAtOnce() {
        TimerfdImage t = TimerfdRule.restore(timer(1, 0, false, 0, 60 * S - 5, 0, true), 60 * S, 0);
        assertEquals(1, t.valueNs());
    }

    @Test
    void wallClockDeadlinesStayAbsoluteAndCountMissedPeriods() {
        long crash = 1_800_000_000L * S;
        // "at crash + 10 s, then every 60 s", TFD_TIMER_ABSTIME | CANCEL_ON_SET; images written 25 s after the crash
        TimerfdImage t = TimerfdRule.restore(timer(0, 0, false, 3, crash + 10 * S, 60 * S, true), crash, crash + 25 * S);
        assertEquals(3, t.settimeFlags());
        assertEquals(1, t.ticks(), "the expiry at crash + 10 s passed during the downtime");
        assertEquals(45 * S, t.valueNs(), "next period boundary: crash + 70 s");
        // deadline still ahead when written
        TimerfdImage ahead = TimerfdRule.restore(timer(0, 0, false, 1, crash + 100 * S, 0, true), crash, crash + 25 * S);
        assertEquals(75 * S, ahead.valueNs());
        // a relative realtime timer keeps its time left at the crash
        TimerfdImage rel = TimerfdRule.restore(timer(0, 0, false, 0, crash + 10 * S, 0, true), crash, crash + 25 * S);
        assertEquals(10 * S, rel.valueNs());
        assertEquals(0, rel.settimeFlags());
    }

    @Test
    void alarmTimersAreNotRestored() {
        assertThrows(IllegalArgumentException.class, () -> TimerfdRule.restore(timer(9, 0, false, 0, S, 0, true), 0, 0));
    }

    // ---- eventfd, inotify facts ----

    @Test
    void eventfdRules() {
        assertEquals(new EventfdImage(41), DeadKernelEventFiles.eventfd(new EventObjects.Eventfd(41, 0)).detail());
        assertTrue(DeadKernelEventFiles.eventfd(new EventObjects.Eventfd(41, 1)).unrestorable().contains("EFD_SEMAPHORE"));
        assertTrue(DeadKernelEventFiles.eventfd(new EventObjects.Eventfd(1L << 40, 0)).unrestorable().contains("exceeds"));
    }

    @Test
    void inotifyRules() {
        EventObjects.InotifyWatch w = new EventObjects.InotifyWatch(1, 2, 0xa0, 1234, 7, 254 << 20, "/data/w");
        EventFileFacts ok = DeadKernelEventFiles.inotify(new EventObjects.Inotify(List.of(w), 0), i -> "ext4");
        InotifyImage img = (InotifyImage) ok.detail();
        assertEquals("/data/w", img.watches().get(0).path());
        assertEquals(1234L | 7L << 32, img.watches().get(0).handle()[0]);
        assertTrue(DeadKernelEventFiles.inotify(new EventObjects.Inotify(List.of(w), 2), i -> "ext4").unrestorable()
                .contains("2 queued event"));
        assertTrue(DeadKernelEventFiles.inotify(new EventObjects.Inotify(List.of(w), 0), i -> "tmpfs").unrestorable()
                .contains("tmpfs"));
        EventObjects.InotifyWatch oneshot = new EventObjects.InotifyWatch(1, 2 | EventObjects.IN_ONESHOT, 0xa0, 1, 7, 0, "/d");
        assertTrue(DeadKernelEventFiles.inotify(new EventObjects.Inotify(List.of(oneshot), 0), i -> "ext4").unrestorable()
                .contains("IN_ONESHOT"));
        EventObjects.InotifyWatch gone = new EventObjects.InotifyWatch(1, 2, 0xa0, 1, 7, 0, "/d/x (deleted)");
        assertTrue(DeadKernelEventFiles.inotify(new EventObjects.Inotify(List.of(gone), 0), i -> "ext4").unrestorable()
                .contains("deleted"));
    }

    // ---- classification and epoll targets, through the planner ----

    static Planner planner(Map<Integer, EventFileFacts> facts) {
        SocketOracle o = new SocketOracle() {
            @Override
            public UnixSocketFacts unix(OpenFile f) {
                return null;
            }

            @Override
            public EventFileFacts eventFile(OpenFile f) {
                return facts.get(f.fd());
            }
        };
        return new Planner(PipePlanTest.POLICY, Registrations.none(), v -> "ext4", Planner.Config.defaults(), o,
                IpcNamespaceOracle.INITIAL);
    }

    @Test
    void everyKindIsRestoredAndEpollKeepsItsCookies() {
        OpenFile efd = anon(3, FileKind.EVENTFD), tfd = anon(4, FileKind.TIMERFD), sfd = anon(5, FileKind.SIGNALFD),
                ifd = anon(6, FileKind.INOTIFY), ep = anon(7, FileKind.EPOLL);
        Map<Integer, EventFileFacts> facts = new HashMap<>();
        facts.put(3, EventFileFacts.of(new EventfdImage(41)));
        facts.put(4, EventFileFacts.of(new TimerfdImage(1, 0, 0, S / 2, S)));
        facts.put(5, EventFileFacts.of(new SignalfdImage(1L << 11)));
        facts.put(6, EventFileFacts.of(new InotifyImage(List.of())));
        facts.put(7, EventFileFacts.epoll(List.of(new EventObjects.EpollItem(3, efd.file(), 0x80000001, 0xc1),
                new EventObjects.EpollItem(4, tfd.file(), 1, 0xc2), new EventObjects.EpollItem(5, sfd.file(), 1, 0xc3),
                new EventObjects.EpollItem(6, ifd.file(), 1, 0xc4))));
        ProcessModel p = Models.process(40, 1, 40, "evfds", List.of(efd, tfd, sfd, ifd, ep), List.of());
        ProcessPlan plan = planner(facts).plan(List.of(p), Set.of()).process(40).orElseThrow();
        assertEquals("fully restorable", plan.reason());
        ProcessImage img = ImageMapper.simple().map(plan, false, ImageMapper.simple().vmas(p), PageSource.NONE);
        FdImage e = img.fds().stream().filter(f -> f.fd() == 7).findFirst().orElseThrow();
        assertEquals(org.otherworld.agent.images.FileKind.EPOLL, e.file().kind());
        assertEquals(List.of(new EpollImage.Target(3, 0x80000001, 0xc1), new EpollImage.Target(4, 1, 0xc2),
                new EpollImage.Target(5, 1, 0xc3), new EpollImage.Target(6, 1, 0xc4)), ((EpollImage) e.file().detail()).targets());
        assertEquals(org.otherworld.agent.images.FileKind.TIMERFD,
                img.fds().stream().filter(f -> f.fd() == 4).findFirst().orElseThrow().file().kind());
    }

    @Test
    void epollDropsUnrestoredTargetsAndRefusesMovedOnes() {
        OpenFile efd = anon(3, FileKind.EVENTFD), sock = Models.socket(4), ep = anon(7, FileKind.EPOLL);
        Map<Integer, EventFileFacts> facts = new HashMap<>();
        facts.put(3, EventFileFacts.of(new EventfdImage(1)));
        facts.put(7, EventFileFacts.epoll(List.of(new EventObjects.EpollItem(3, efd.file(), 1, 0xc1),
                new EventObjects.EpollItem(4, sock.file(), 1, 0xc2))));
        ProcessModel p = Models.process(41, 1, 41, "srv", List.of(efd, sock, ep), List.of());
        ProcessPlan plan = planner(facts).plan(List.of(p), Set.of()).process(41).orElseThrow();
        assertEquals(1, plan.unrestored().size(), "only the socket: " + plan.unrestored());
        assertEquals(4, plan.unrestored().get(0).fd());
        var epd = plan.fds().stream().filter(d -> d.file().fd() == 7).findFirst().orElseThrow();
        assertEquals(List.of(new EpollImage.Target(3, 1, 0xc1)), ((EpollImage) epd.detail()).targets(),
                "the registration of the unrestored socket is dropped, as closing it would have");

        // fd 3 now holds another file than the one registered: the registration cannot be re-added by number
        facts.put(7, EventFileFacts.epoll(List.of(new EventObjects.EpollItem(3, 0xdead, 1, 0xc1))));
        ProcessPlan moved = planner(facts).plan(List.of(p), Set.of()).process(41).orElseThrow();
        var u = moved.unrestored().stream().filter(x -> x.fd() == 7).findFirst().orElseThrow();
        assertEquals("epoll", u.kind());
        assertTrue(u.reason().contains("no longer holds"), u.reason());
    }

    @Test
    void unknownOrUnrestorableStayUnrestoredWithTheReason() {
        var unknown = ResourceClassifier.classify(anon(3, FileKind.EVENTFD), null, null, null, null, null);
        assertEquals("the eventfd's state could not be read", unknown.unrestored().reason());
        var sem = ResourceClassifier.classify(anon(3, FileKind.EVENTFD), null, null, null,
                EventFileFacts.unrestorable("EFD_SEMAPHORE eventfds are not restored"), null);
        assertEquals("eventfd", sem.unrestored().kind());
        assertEquals("EFD_SEMAPHORE eventfds are not restored", sem.unrestored().reason());
        var ok = ResourceClassifier.classify(anon(5, FileKind.SIGNALFD), null, null, null,
                EventFileFacts.of(new SignalfdImage(4)), null);
        assertNull(ok.unrestored());
        assertEquals(org.otherworld.agent.images.FileKind.SIGNALFD, ok.image().kind());
    }
}
