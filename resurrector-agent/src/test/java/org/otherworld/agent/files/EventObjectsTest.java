package org.otherworld.agent.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfBuilder;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.vmcore.MemoryAccessException;

/** {@link EventObjects} on synthetic layouts with the 6.1 member names (offsets of our own choosing). */
class EventObjectsTest {
    /**
     * eventfd_ctx {u64 count 0; u32 flags 8}; signalfd_ctx {sigset_t sigmask {ul sig[1]}};
     * hrtimer {timerqueue_node node {u64 x 0; s64 expires 8}; u8 state 16}; alarm {node 0; hrtimer timer 16};
     * timerfd_ctx {union {hrtimer tmr; alarm alarm} t 0; s64 tintv 48; u64 ticks 56; int clockid 64;
     * u16 expired 68; u16 settime_flags 70}; rb_node {rb_right 8, rb_left 16}; epitem {union {rb_node rbn} 0;
     * epoll_filefd ffd {file 24, int fd 32}; u8 dying 36; epoll_event event {u32 events 40; u64 data 44}};
     * eventpoll {rb_root_cached rbr {rb_root rb_root {rb_node}} 0}.
     */
    static KernelTypes types() {
        BtfBuilder b = new BtfBuilder();
        int u8 = b.intType("unsigned char", 1, 0);
        int u16 = b.intType("short unsigned int", 2, 0);
        int u32 = b.intType("unsigned int", 4, 0);
        int s32 = b.intType("int", 4, BtfBuilder.SIGNED);
        int u64 = b.intType("long long unsigned int", 8, 0);
        int s64 = b.intType("long long int", 8, BtfBuilder.SIGNED);
        int ul = b.intType("long unsigned int", 8, 0);
        b.struct("eventfd_ctx", 16).member("count", u64, 0).member("flags", u32, 64);
        int sigset = b.struct("sigset_t", 8).member("sig", b.array(ul, u32, 1), 0).id();
        b.struct("signalfd_ctx", 8).member("sigmask", sigset, 0);
        int tq = b.struct("timerqueue_node", 16).member("x", u64, 0).member("expires", s64, 64).id();
        int hr = b.struct("hrtimer", 24).member("node", tq, 0).member("state", u8, 128).id();
        int alarm = b.struct("alarm", 40).member("node", tq, 0).member("timer", hr, 128).id();
        int un = b.union(null, 40).member("tmr", hr, 0).member("alarm", alarm, 0).id();
        b.struct("timerfd_ctx", 72).member("t", un, 0).member("tintv", s64, 384).member("ticks", u64, 448)
                .member("clockid", s32, 512).member("expired", u16, 544).member("settime_flags", u16, 560);
        BtfBuilder.Composite rbnc = b.struct("rb_node", 24);
        int rbn = rbnc.id();
        int rbp = b.ptr(rbn);
        rbnc.member("__rb_parent_color", ul, 0).member("rb_right", rbp, 64).member("rb_left", rbp, 128);
        int file = b.struct("file", 8).member("x", u64, 0).id();
        int ffd = b.struct("epoll_filefd", 12).member("file", b.ptr(file), 0).member("fd", s32, 64).id();
        int ev = b.struct("epoll_event", 12).member("events", u32, 0).member("data", u64, 32).id();
        int rbu = b.union(null, 24).member("rbn", rbn, 0).id();
        b.struct("epitem", 56).member(null, rbu, 0).member("ffd", ffd, 192).member("dying", u8, 288)
                .member("event", ev, 320);
        int root = b.struct("rb_root", 8).member("rb_node", rbp, 0).id();
        int cached = b.struct("rb_root_cached", 16).member("rb_root", root, 0).member("rb_leftmost", rbp, 64).id();
        b.struct("eventpoll", 16).member("rbr", cached, 0);
        return new KernelTypes(Btf.parse(b.build()));
    }

    final TestMemory mem = new TestMemory();

    @Test
    void eventfdCountAndSemaphoreFlag() {
        mem.u64(0x1000, 7).u32(0x1008, 1);
        EventObjects.Eventfd e = EventObjects.eventfd(types(), mem, 0x1000);
        assertEquals(7, e.count());
        assertEquals(true, e.semaphore());
        assertThrows(MemoryAccessException.class, () -> EventObjects.eventfd(types(), mem, 0));
    }

    @Test
    void signalfdMaskIsTheComplementOfTheStoredOne() {
        mem.u64(0x2000, ~((1L << 9) | (1L << 11)));
        assertEquals((1L << 9) | (1L << 11), EventObjects.signalfdMask(types(), mem, 0x2000));
    }

    @Test
    void timerfdHrtimerAndAlarm() {
        long t = 0x3000;
        mem.write(t, new byte[72]);
        mem.u64(t + 8, 123_000_000L).u8(t + 16, EventObjects.HRTIMER_STATE_ENQUEUED).u64(t + 48, 500_000_000L)
                .u64(t + 56, 2).u32(t + 64, 1).u16(t + 68, 0).u16(t + 70, 1);
        assertEquals(new EventObjects.Timerfd(1, 2, false, 1, 123_000_000L, 500_000_000L, true),
                EventObjects.timerfd(types(), mem, t));
        // CLOCK_BOOTTIME_ALARM: the expiry and state of t.alarm (its own node, then its hrtimer)
        mem.u32(t + 64, 9).u64(t + 8, 999).u8(t + 16, 0).u8(t + 32, 0);
        EventObjects.Timerfd a = EventObjects.timerfd(types(), mem, t);
        assertEquals(999, a.expiresNs());
        assertEquals(false, a.queued());
    }

    @Test
    void epollItemsInTreeOrderWithoutDyingOnes() {
        long ep = 0x4000, i0 = 0x5000, i1 = 0x5100, i2 = 0x5200;
        mem.write(ep, new byte[16]);
        for (long i : new long[] {i0, i1, i2}) {
            mem.write(i, new byte[56]);
        }
        mem.u64(ep, i1); // rbn is at offset 0 of epitem
        mem.u64(i1 + 16, i0).u64(i1 + 8, i2); // left, right
        mem.u64(i0 + 24, 0xf0).u32(i0 + 32, 4).u32(i0 + 40, 1).u64(i0 + 44, 0xc0c0);
        mem.u64(i1 + 24, 0xf1).u32(i1 + 32, 5).u32(i1 + 40, 0x80000001).u64(i1 + 44, 0xc1c1);
        mem.u64(i2 + 24, 0xf2).u32(i2 + 32, 6).u8(i2 + 36, 1); // dying: its file is being released
        assertEquals(List.of(new EventObjects.EpollItem(4, 0xf0, 1, 0xc0c0),
                new EventObjects.EpollItem(5, 0xf1, 0x80000001, 0xc1c1)), EventObjects.epoll(types(), mem, ep));
        mem.u64(i2 + 8, i1); // a cycle: i2 -> right -> i1
        assertThrows(IllegalArgumentException.class, () -> EventObjects.epoll(types(), mem, ep));
    }
}
