package org.otherworld.agent.files;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongFunction;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.kernel.ListWalk;
import org.otherworld.agent.kernel.ListWalker;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Reads the kernel objects behind eventfd, timerfd, signalfd, epoll and inotify descriptors from
 * {@code file->private_data}, through the BTF-typed layer (member names of Linux 6.1: fs/eventfd.c,
 * fs/timerfd.c, fs/signalfd.c, fs/eventpoll.c, include/linux/fsnotify_backend.h,
 * fs/notify/inotify/inotify.h). Each reader returns what /proc/PID/fdinfo would have shown, in the raw
 * kernel form; turning it into what restore needs is the planner's job.
 */
public final class EventObjects {
    /** EFD_SEMAPHORE (include/linux/eventfd.h): reads return 1 and decrement. */
    public static final int EFD_SEMAPHORE = 1;
    /** HRTIMER_STATE_ENQUEUED (include/linux/hrtimer.h): the timer is queued, i.e. armed and pending. */
    public static final int HRTIMER_STATE_ENQUEUED = 0x01;
    /** FSNOTIFY_MARK_FLAG_EXCL_UNLINK and _IN_ONESHOT (include/linux/fsnotify_backend.h, 6.1). */
    public static final int FSNOTIFY_MARK_FLAG_EXCL_UNLINK = 0x0010, FSNOTIFY_MARK_FLAG_IN_ONESHOT = 0x0020;
    /** IN_ALL_EVENTS (include/uapi/linux/inotify.h): the event bits (INOTIFY_USER_MASK in 6.1). */
    public static final int IN_ALL_EVENTS = 0x00000fff;
    /** IN_EXCL_UNLINK and IN_ONESHOT (include/uapi/linux/inotify.h). */
    public static final int IN_EXCL_UNLINK = 0x04000000, IN_ONESHOT = 0x80000000;
    /** Most epoll items / inotify marks read (a bound against corrupt lists and trees). */
    public static final int MAX_ITEMS = 1 << 16;

    private EventObjects() {
    }

    /** An eventfd: {@code eventfd_ctx.count} and {@code flags} (EFD_SEMAPHORE ...). */
    public record Eventfd(long count, int flags) {
        public boolean semaphore() {
            return (flags & EFD_SEMAPHORE) != 0;
        }
    }

    /** The eventfd_ctx at {@code ctx} (file->private_data). */
    public static Eventfd eventfd(KernelTypes types, VirtualMemory mem, long ctx) {
        KObject c = types.object(mem, "eventfd_ctx", nonNull(ctx, "eventfd_ctx"));
        return new Eventfd(c.u64("count"), (int) c.u32("flags"));
    }

    /**
     * A timerfd as the dead kernel left it.
     *
     * @param clockid       the clock (CLOCK_REALTIME 0, MONOTONIC 1, BOOTTIME 7, *_ALARM 8/9)
     * @param ticks         expirations not read yet ({@code ctx->ticks})
     * @param expired       {@code ctx->expired}: the timer fired and was not re-armed yet (a periodic
     *                      timer is forwarded by the next read)
     * @param settimeFlags  the flags of the last timerfd_settime (TFD_TIMER_ABSTIME 1, CANCEL_ON_SET 2)
     * @param expiresNs     the hrtimer's expiry in the clock's own time base ({@code t.tmr.node.expires},
     *                      for alarm timers {@code t.alarm.node.expires}); 0 when never armed
     * @param intervalNs    {@code ctx->tintv}, 0 for a one-shot timer
     * @param queued        the hrtimer is enqueued ({@code state & HRTIMER_STATE_ENQUEUED}): armed, not fired
     */
    public record Timerfd(int clockid, long ticks, boolean expired, int settimeFlags, long expiresNs, long intervalNs,
                          boolean queued) {
    }

    /** The timerfd_ctx at {@code ctx}. */
    public static Timerfd timerfd(KernelTypes types, VirtualMemory mem, long ctx) {
        KObject c = types.object(mem, "timerfd_ctx", nonNull(ctx, "timerfd_ctx"));
        int clockid = (int) c.s32("clockid");
        boolean alarm = clockid == 8 || clockid == 9; // CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM
        long expires = alarm ? c.s64("t.alarm.node.expires") : c.s64("t.tmr.node.expires");
        long state = alarm ? c.u8("t.alarm.timer.state") : c.u8("t.tmr.state");
        return new Timerfd(clockid, c.u64("ticks"), c.u16("expired") != 0, (int) c.u16("settime_flags"), expires,
                c.s64("tintv"), (state & HRTIMER_STATE_ENQUEUED) != 0);
    }

    /**
     * The signals a signalfd accepts: {@code signalfd_ctx.sigmask} holds the complement (fs/signalfd.c
     * stores {@code signotset(mask)}; fdinfo inverts it back), so this is {@code ~sigmask}: bit
     * {@code signo - 1} set for each accepted signal.
     */
    public static long signalfdMask(KernelTypes types, VirtualMemory mem, long ctx) {
        KObject c = types.object(mem, "signalfd_ctx", nonNull(ctx, "signalfd_ctx"));
        return ~c.elementValue("sigmask.sig", 0);
    }

    /**
     * One registration of an epoll instance (an {@code epitem}).
     *
     * @param fd     {@code ffd.fd}: the descriptor number given to epoll_ctl(ADD)
     * @param file   {@code ffd.file}: the struct file registered
     * @param events {@code event.events}
     * @param data   {@code event.data}
     */
    public record EpollItem(int fd, long file, int events, long data) {
    }

    /**
     * The registrations of the eventpoll at {@code ep} (file->private_data): the epitems of the
     * red-black tree {@code rbr.rb_root} in order (by file, then fd: ep_cmp_ffd), without items whose
     * file is being released ({@code dying}).
     *
     * @throws IllegalArgumentException if the tree has a cycle or more than {@link #MAX_ITEMS} items
     */
    public static List<EpollItem> epoll(KernelTypes types, VirtualMemory mem, long ep) {
        KObject e = types.object(mem, "eventpoll", nonNull(ep, "eventpoll"));
        long rbnOff = types.struct("epitem").member("rbn").offset();
        boolean hasDying = types.hasMember("epitem", "dying");
        List<EpollItem> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        List<Long> stack = new ArrayList<>();
        long node = e.pointer("rbr.rb_root.rb_node");
        while (node != 0 || !stack.isEmpty()) {
            while (node != 0) {
                if (!seen.add(node) || seen.size() > MAX_ITEMS) {
                    throw new IllegalArgumentException(String.format("eventpoll 0x%x: its rbtree has a cycle or more "
                            + "than %d items", ep, MAX_ITEMS));
                }
                stack.add(node);
                node = types.object(mem, "rb_node", node).pointer("rb_left");
            }
            long n = stack.remove(stack.size() - 1);
            KObject item = types.object(mem, "epitem", n - rbnOff);
            if (!hasDying || item.u8("dying") == 0) {
                out.add(new EpollItem((int) item.s32("ffd.fd"), item.pointer("ffd.file"), (int) item.u32("event.events"),
                        item.u64("event.data")));
            }
            node = types.object(mem, "rb_node", n).pointer("rb_right");
        }
        return out;
    }

    /**
     * One inotify watch ({@code struct inotify_inode_mark}).
     *
     * @param wd         the watch descriptor
     * @param mask       the mask as inotify_add_watch() took it (event bits plus IN_EXCL_UNLINK / IN_ONESHOT
     *                   from the mark's flags: inotify_mark_user_mask())
     * @param inode      the watched struct inode
     * @param ino        its inode number
     * @param generation its i_generation (the second word of an ext4 file handle)
     * @param sDev       its superblock's s_dev (kernel encoding)
     * @param path       a path of the inode (d_path of one of its dentries), or null if it has none
     */
    public record InotifyWatch(int wd, int mask, long inode, long ino, long generation, int sDev, String path) {
    }

    /**
     * The inotify group at {@code group} (file->private_data, a {@code struct fsnotify_group}).
     *
     * @param watches   the inode marks of {@code marks_list}, by wd
     * @param queued    events waiting to be read ({@code q_len})
     */
    public record Inotify(List<InotifyWatch> watches, int queued) {
    }

    /**
     * Reads an inotify group: each mark of {@code marks_list} attached to an inode (connector type
     * FSNOTIFY_OBJ_TYPE_INODE; the inode is {@code container_of(connector->obj, struct inode,
     * i_fsnotify_marks)}).
     *
     * @param pathOf the path of an inode address, or null (the planner's d_path of an alias)
     * @throws IllegalArgumentException if the marks list is corrupt or a mark is attached to something
     *                                  that is not an inode
     */
    public static Inotify inotify(KernelTypes types, VirtualMemory mem, long group, LongFunction<String> pathOf) {
        KObject g = types.object(mem, "fsnotify_group", nonNull(group, "fsnotify_group"));
        ListWalk marks = new ListWalker(types, mem).walk(g.addressOf("marks_list"), "fsnotify_mark", "g_list", MAX_ITEMS);
        if (!marks.complete()) {
            throw new IllegalArgumentException(marks.error());
        }
        long inodeType = types.hasEnumValue("FSNOTIFY_OBJ_TYPE_INODE")
                ? types.enumValue("fsnotify_obj_type", "FSNOTIFY_OBJ_TYPE_INODE") : 0;
        long marksOff = types.struct("inode").member("i_fsnotify_marks").offset();
        List<InotifyWatch> out = new ArrayList<>();
        for (KObject m : marks.entries()) {
            KObject conn = m.deref("connector");
            if (conn == null) {
                continue; // detached (being destroyed): no longer delivers events
            }
            if (conn.u16("type") != inodeType) {
                throw new IllegalArgumentException(String.format("fsnotify_mark 0x%x: attached to object type %d, "
                        + "not an inode", m.address(), conn.u16("type")));
            }
            long obj = conn.pointer("obj");
            if (obj == 0) {
                continue;
            }
            KObject inode = types.object(mem, "inode", obj - marksOff);
            KObject im = types.object(mem, "inotify_inode_mark", m.address()
                    - types.struct("inotify_inode_mark").member("fsn_mark").offset());
            long flags = m.read("flags");
            int mask = (int) m.u32("mask") & IN_ALL_EVENTS;
            if ((flags & FSNOTIFY_MARK_FLAG_EXCL_UNLINK) != 0) {
                mask |= IN_EXCL_UNLINK;
            }
            if ((flags & FSNOTIFY_MARK_FLAG_IN_ONESHOT) != 0) {
                mask |= IN_ONESHOT;
            }
            KObject sb = inode.deref("i_sb");
            out.add(new InotifyWatch((int) im.s32("wd"), mask, inode.address(), inode.u64("i_ino"),
                    inode.u32("i_generation"), sb == null ? 0 : (int) sb.u32("s_dev"), pathOf.apply(inode.address())));
        }
        out.sort((a, b) -> Integer.compare(a.wd(), b.wd()));
        return new Inotify(out, (int) g.u32("q_len"));
    }

    private static long nonNull(long addr, String what) {
        if (addr == 0) {
            throw new MemoryAccessException(0, "file->private_data (" + what + ") is NULL");
        }
        return addr;
    }
}
