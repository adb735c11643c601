package org.otherworld.agent.images;

/**
 * A timerfd as restore rebuilds it (timerfd_entry): criu 3.17 creates it with
 * {@code timerfd_create(clockid)}, arms it at the end of the restore with
 * {@code timerfd_settime(settimeFlags, {interval, value})} (with TFD_TIMER_ABSTIME it first adds the
 * clock's current seconds to the value) and puts the unread expirations back with TFD_IOC_SET_TICKS.
 *
 * @param clockid      CLOCK_REALTIME 0, CLOCK_MONOTONIC 1 or CLOCK_BOOTTIME 7 (the only ones criu accepts)
 * @param ticks        expirations not read yet
 * @param settimeFlags TFD_TIMER_ABSTIME 1, TFD_TIMER_CANCEL_ON_SET 2
 * @param valueNs      time to the next expiry; 0 = disarmed
 * @param intervalNs   period; 0 = one-shot
 */
public record TimerfdImage(int clockid, long ticks, int settimeFlags, long valueNs, long intervalNs)
        implements FileDetail {
    /** Clock ids (include/uapi/linux/time.h). */
    public static final int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_BOOTTIME = 7;
    /** TFD_TIMER_ABSTIME and TFD_TIMER_CANCEL_ON_SET (include/linux/timerfd.h). */
    public static final int TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;
    public static final long NSEC_PER_SEC = 1_000_000_000L;

    public TimerfdImage {
        if (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC && clockid != CLOCK_BOOTTIME) {
            throw new IllegalArgumentException("timerfd clock " + clockid + " is not one criu restores (0, 1, 7)");
        }
        if (valueNs < 0 || intervalNs < 0 || ticks < 0) {
            throw new IllegalArgumentException("timerfd: negative value " + valueNs + ", interval " + intervalNs
                    + " or ticks " + ticks);
        }
        if ((settimeFlags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) != 0) {
            throw new IllegalArgumentException("timerfd: unknown settime flags 0x" + Integer.toHexString(settimeFlags));
        }
    }

    /** Whether the timer is armed. */
    public boolean armed() {
        return valueNs != 0;
    }
}
