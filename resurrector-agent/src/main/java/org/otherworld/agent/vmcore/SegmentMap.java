package org.otherworld.agent.vmcore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Physical address lookup over PT_LOAD segments. Segments may overlap (a kdump core has the
 * kernel-text segment inside a RAM segment), so they are flattened once into disjoint pieces,
 * sorted by address, each owned by one segment; lookup is a binary search.
 */
final class SegmentMap {
    /** A disjoint piece [start, end) of physical memory backed by {@code segment}. */
    record Piece(long start, long end, LoadSegment segment) {
    }

    private final long[] starts;
    private final Piece[] pieces;

    SegmentMap(List<LoadSegment> segments) {
        List<LoadSegment> sorted = new ArrayList<>(segments);
        sorted.sort(Comparator.comparingLong(LoadSegment::paddr)
                .thenComparing(Comparator.comparingLong(LoadSegment::memSize).reversed()));
        List<Piece> out = new ArrayList<>();
        long coveredEnd = Long.MIN_VALUE;
        for (LoadSegment s : sorted) {
            // all earlier segments start at or below s.paddr, so their union above s.paddr is [s.paddr, coveredEnd)
            long start = Math.max(s.paddr(), coveredEnd);
            if (start < s.paddrEnd()) {
                out.add(new Piece(start, s.paddrEnd(), s));
            }
            coveredEnd = Math.max(coveredEnd, s.paddrEnd());
        }
        pieces = out.toArray(new Piece[0]);
        starts = new long[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            starts[i] = pieces[i].start();
        }
    }

    /** The piece containing {@code paddr}, or null. */
    Piece find(long paddr) {
        int lo = 0;
        int hi = starts.length - 1;
        int best = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= paddr) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (best < 0 || paddr >= pieces[best].end()) {
            return null;
        }
        return pieces[best];
    }
}
