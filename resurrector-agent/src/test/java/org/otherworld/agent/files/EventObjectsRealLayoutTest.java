package org.otherworld.agent.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.testing.KernelBuildBtf;

/**
 * {@link EventObjects} against the real 6.1 kernel's BTF (the kernel build in the test cache; skipped
 * without it): every member path the readers use exists, and objects laid out with the real offsets read
 * back as written.
 */
class EventObjectsRealLayoutTest {
    static KernelTypes types;
    final TestMemory mem = new TestMemory();

    @BeforeEach
    void btf() throws IOException {
        if (types == null) {
            Path v = KernelBuildBtf.vmlinux();
            Assumptions.assumeTrue(v != null, "no kernel build under ~/.cache/otherworld/kernel-src: skipped");
            types = new KernelTypes(Btf.parse(KernelBuildBtf.btfSection(v)));
        }
    }

    void put(String struct, long base, String path, long v) {
        var m = types.struct(struct).member(path);
        long at = base + m.offset();
        switch ((int) m.size()) {
            case 1 -> mem.u8(at, (int) v);
            case 2 -> mem.u16(at, (int) v);
            case 4 -> mem.u32(at, v);
            default -> mem.u64(at, v);
        }
    }

    void zero(String struct, long base) {
        mem.write(base, new byte[(int) types.sizeOf(struct)]);
    }

    @Test
    void eventfdSignalfdAndTimerfd() {
        long e = 0xffff888000010000L, s = 0xffff888000011000L, t = 0xffff888000012000L;
        zero("eventfd_ctx", e);
        put("eventfd_ctx", e, "count", 41);
        put("eventfd_ctx", e, "flags", EventObjects.EFD_SEMAPHORE);
        assertEquals(new EventObjects.Eventfd(41, 1), EventObjects.eventfd(types, mem, e));

        zero("signalfd_ctx", s);
        put("signalfd_ctx", s, "sigmask.sig", ~(1L << 11)); // the kernel stores the complement: SIGUSR2 (12)
        assertEquals(1L << 11, EventObjects.signalfdMask(types, mem, s));

        zero("timerfd_ctx", t);
        put("timerfd_ctx", t, "clockid", 1);
        put("timerfd_ctx", t, "ticks", 3);
        put("timerfd_ctx", t, "expired", 1);
        put("timerfd_ctx", t, "settime_flags", 1);
        put("timerfd_ctx", t, "t.tmr.node.expires", 5_000_000_000L);
        put("timerfd_ctx", t, "t.tmr.state", 0);
        put("timerfd_ctx", t, "tintv", 1_000_000_000L);
        assertEquals(new EventObjects.Timerfd(1, 3, true, 1, 5_000_000_000L, 1_000_000_000L, false),
                EventObjects.timerfd(types, mem, t));
    }

    @Test
    void epollTreeInOrder() {
        long ep = 0xffff888000020000L, items = 0xffff888000021000L;
        long size = types.sizeOf("epitem");
        long rbn = types.struct("epitem").member("rbn").offset();
        zero("eventpoll", ep);
        long[] it = new long[3];
        for (int i = 0; i < 3; i++) {
            it[i] = items + i * ((size + 63) & ~63L);
            zero("epitem", it[i]);
            put("epitem", it[i], "ffd.fd", 3 + i);
            put("epitem", it[i], "ffd.file", 0xffff888100000000L + i);
            put("epitem", it[i], "event.events", 1 + i);
            put("epitem", it[i], "event.data", 0xe7e7000000000000L + i);
        }
        // root = item 1, left = item 0, right = item 2
        put("eventpoll", ep, "rbr.rb_root.rb_node", it[1] + rbn);
        put("epitem", it[1], "rbn.rb_left", it[0] + rbn);
        put("epitem", it[1], "rbn.rb_right", it[2] + rbn);
        List<EventObjects.EpollItem> got = EventObjects.epoll(types, mem, ep);
        assertEquals(List.of(new EventObjects.EpollItem(3, 0xffff888100000000L, 1, 0xe7e7000000000000L),
                new EventObjects.EpollItem(4, 0xffff888100000001L, 2, 0xe7e7000000000001L),
                new EventObjects.EpollItem(5, 0xffff888100000002L, 3, 0xe7e7000000000002L)), got);
    }

    @Test
    void inotifyMarks() {
        long g = 0xffff888000030000L, mark = 0xffff888000031000L, conn = 0xffff888000032000L,
                inode = 0xffff888000033000L, sb = 0xffff888000035000L;
        zero("fsnotify_group", g);
        zero("inotify_inode_mark", mark);
        zero("fsnotify_mark_connector", conn);
        zero("inode", inode);
        zero("super_block", sb);
        long head = g + types.struct("fsnotify_group").member("marks_list").offset();
        long link = mark + types.struct("inotify_inode_mark").member("fsn_mark.g_list").offset();
        mem.u64(head, link).u64(head + 8, link).u64(link, head).u64(link + 8, head);
        put("fsnotify_group", g, "q_len", 0);
        put("inotify_inode_mark", mark, "wd", 1);
        put("inotify_inode_mark", mark, "fsn_mark.mask", 0x2 | 0x08000000); // IN_MODIFY and an internal bit
        put("inotify_inode_mark", mark, "fsn_mark.flags", EventObjects.FSNOTIFY_MARK_FLAG_IN_ONESHOT);
        put("inotify_inode_mark", mark, "fsn_mark.connector", conn);
        put("fsnotify_mark_connector", conn, "type", types.enumValue("fsnotify_obj_type", "FSNOTIFY_OBJ_TYPE_INODE"));
        put("fsnotify_mark_connector", conn, "obj", inode + types.struct("inode").member("i_fsnotify_marks").offset());
        put("inode", inode, "i_ino", 1234);
        put("inode", inode, "i_generation", 0xabcdef);
        put("inode", inode, "i_sb", sb);
        put("super_block", sb, "s_dev", (8 << 20) | 1);
        EventObjects.Inotify in = EventObjects.inotify(types, mem, g, a -> a == inode ? "/data/w" : null);
        assertEquals(0, in.queued());
        assertEquals(List.of(new EventObjects.InotifyWatch(1, 0x2 | EventObjects.IN_ONESHOT, inode, 1234, 0xabcdef,
                (8 << 20) | 1, "/data/w")), in.watches());
    }
}
