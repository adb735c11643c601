package org.otherworld.agent.images;

import org.otherworld.agent.images.proto.Timespec;
import org.otherworld.agent.images.proto.TimensEntry;

/**
 * The namespaced clocks at the dump, CLOCK_MONOTONIC and CLOCK_BOOTTIME (CRIU's {@code timens_entry},
 * written as {@code timens-0.img}). When the restoring kernel supports time namespaces, criu 3.17
 * restore reads {@code timens-0.img} for a tree without a time namespace of its own
 * (criu/cr-restore.c: {@code prepare_timens(0)} when {@code root_ns_mask} lacks CLONE_NEWTIME): the
 * root task creates a time namespace whose offsets make both clocks read these values again, so the
 * restored tasks see their clocks continue from the dump instead of from the new kernel's boot. Without
 * the image criu warns "Clocks values have not been dumped" and the tasks see the new kernel's clocks.
 *
 * @param monotonicNs CLOCK_MONOTONIC at the dump, nanoseconds
 * @param boottimeNs  CLOCK_BOOTTIME at the dump, nanoseconds (never less than monotonic: it adds the
 *                    time spent suspended)
 */
public record ClockImage(long monotonicNs, long boottimeNs) {
    /** Nanoseconds per second. */
    static final long NSEC_PER_SEC = 1_000_000_000L;

    public ClockImage {
        if (monotonicNs < 0 || boottimeNs < monotonicNs) {
            throw new IllegalArgumentException("implausible clocks: monotonic " + monotonicNs + " ns, boottime "
                    + boottimeNs + " ns (need 0 <= monotonic <= boottime)");
        }
    }

    /** The protobuf entry of timens-0.img. */
    public TimensEntry entry() {
        return TimensEntry.newBuilder().setMonotonic(timespec(monotonicNs)).setBoottime(timespec(boottimeNs)).build();
    }

    /**
     * The clocks of a {@code timens_entry} read back.
     *
     * @throws ImageFormatException for a timespec out of range or boottime before monotonic
     */
    public static ClockImage of(TimensEntry e) throws ImageFormatException {
        try {
            return new ClockImage(nanos(e.getMonotonic()), nanos(e.getBoottime()));
        } catch (IllegalArgumentException x) {
            throw new ImageFormatException("timens entry: " + x.getMessage());
        }
    }

    private static Timespec timespec(long ns) {
        return Timespec.newBuilder().setTvSec(ns / NSEC_PER_SEC).setTvNsec(ns % NSEC_PER_SEC).build();
    }

    private static long nanos(Timespec t) throws ImageFormatException {
        if (t.getTvSec() < 0 || t.getTvSec() > Long.MAX_VALUE / NSEC_PER_SEC - 1 || t.getTvNsec() < 0
                || t.getTvNsec() >= NSEC_PER_SEC) {
            throw new ImageFormatException("timens entry: bad timespec " + t.getTvSec() + "." + t.getTvNsec());
        }
        return t.getTvSec() * NSEC_PER_SEC + t.getTvNsec();
    }
}
