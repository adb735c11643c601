package org.otherworld.agent.plan;

import org.otherworld.agent.files.EventObjects;
import org.otherworld.agent.images.TimerfdImage;

/**
 * What a timerfd of the dead kernel becomes after the downtime (docs/resurrection.md, "timerfd").
 *
 * <ul>
 *   <li>CLOCK_MONOTONIC and CLOCK_BOOTTIME: the restored tree runs in a time namespace whose clocks
 *       continue from the crash ({@code timens-0.img}), so the time left at the crash is kept: the timer is
 *       written relative ({@code expires - clock at the crash}, no TFD_TIMER_ABSTIME: inside the namespace an
 *       absolute deadline and this relative value name the same instant, and relative avoids criu's
 *       whole-second arithmetic for absolute timers). It fires that long after criu arms it (the end of the
 *       restore).</li>
 *   <li>CLOCK_REALTIME, relative (no TFD_TIMER_ABSTIME): the same rule: the time left at the crash; the
 *       wall clock itself moved on by the downtime.</li>
 *   <li>CLOCK_REALTIME with TFD_TIMER_ABSTIME (a wall-clock deadline, e.g. "at 12:00"): it stays absolute
 *       (flags kept, so TFD_TIMER_CANCEL_ON_SET keeps working). Its time left is measured against the wall
 *       clock when the images are written ({@code wallNowNs}); criu adds the wall clock's seconds at the
 *       restore to it, so the deadline moves by the time between writing and arming (the hand-over and the
 *       restore) and up to one second earlier (criu keeps the nanoseconds as written). A deadline that passed
 *       during the downtime fires right at the restore; a periodic timer counts the periods that passed
 *       as expirations (as the kernel does for a timer that overran), keeping its phase.</li>
 *   <li>A periodic timer that had fired and was not re-armed yet (the kernel re-arms it at the next read)
 *       is forwarded past the crash like the kernel's read would, adding the periods it missed to the
 *       ticks; a one-shot timer that fired stays disarmed with its unread tick.</li>
 *   <li>A timer whose deadline fell between the last timekeeping update and the crash (still queued, time
 *       left &lt;= 0) fires right at the restore (1 ns).</li>
 * </ul>
 */
public final class TimerfdRule {
    private TimerfdRule() {
    }

    /** CLOCK_REALTIME_ALARM and CLOCK_BOOTTIME_ALARM (include/uapi/linux/time.h). */
    static final int CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9;

    /**
     * The timer as it is restored, or throws with the reason it cannot be.
     *
     * @param t         the timerfd read from the dead kernel
     * @param clockNs   the timer's clock at the crash (monotonic, boottime or realtime)
     * @param wallNowNs the wall clock now (when the images are written); ignored unless the timer is an
     *                  absolute CLOCK_REALTIME one; if it is behind the crash, the crash time is used
     * @throws IllegalArgumentException for alarm clocks and unknown clocks (criu 3.17 restores only
     *                                  CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME)
     */
    public static TimerfdImage restore(EventObjects.Timerfd t, long clockNs, long wallNowNs) {
        int clock = t.clockid();
        if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM) {
            throw new IllegalArgumentException("alarm timers (clock " + clock + ") are not restored by criu 3.17");
        }
        if (clock != TimerfdImage.CLOCK_REALTIME && clock != TimerfdImage.CLOCK_MONOTONIC
                && clock != TimerfdImage.CLOCK_BOOTTIME) {
            throw new IllegalArgumentException("clock " + clock + " is not one criu 3.17 restores");
        }
        if (t.intervalNs() < 0 || t.ticks() < 0) {
            throw new IllegalArgumentException("implausible timer: interval " + t.intervalNs() + " ns, ticks " + t.ticks());
        }
        boolean wallAbs = clock == TimerfdImage.CLOCK_REALTIME
                && (t.settimeFlags() & TimerfdImage.TFD_TIMER_ABSTIME) != 0;
        long now = wallAbs ? Math.max(wallNowNs, clockNs) : clockNs;
        int flags = wallAbs ? t.settimeFlags() & (TimerfdImage.TFD_TIMER_ABSTIME | TimerfdImage.TFD_TIMER_CANCEL_ON_SET)
                : 0;
        long interval = t.intervalNs();
        long ticks = t.ticks();
        boolean armed = t.queued() || (t.expired() && interval > 0);
        if (!armed || t.expiresNs() == 0) {
            return new TimerfdImage(clock, ticks, flags, 0, interval);
        }
        long expires = t.expiresNs();
        if (interval > 0 && (t.expired() || wallAbs) && expires <= now) {
            // hrtimer_forward: n periods so that expires + n * interval > now; the fired expiry (expired) was
            // counted already, a queued one that passed was not
            long n = (now - expires) / interval + 1;
            ticks += t.expired() ? n - 1 : n;
            expires += n * interval;
        }
        long left = expires - now;
        return new TimerfdImage(clock, ticks, flags, left <= 0 ? 1 : left, interval);
    }
}
