package org.otherworld.agent.mm;

import org.otherworld.agent.vmcore.MemoryAccessException;

/**
 * Receives the leaves of a page-table walk in ascending address order, as primitives (no object per
 * page on the hot path). Leaves are reported whole: a 2 MiB or 1 GiB leaf may start before or end
 * after the walked range.
 */
public interface PageVisitor {
    /** A resident leaf (PRESENT or PROT_NONE); {@code pa} is already un-inverted. */
    void resident(long va, long pa, long size, long entry, PageKind kind);

    /**
     * A non-empty, non-resident leaf (swap, migration, device, hwpoison, marker...).
     * {@code type}/{@code offset} are the decoded arch swap type and offset.
     */
    default void nonResident(long va, long size, long entry, PageKind kind, int type, long offset) {
    }

    /**
     * A table could not be read (its physical address is outside the dump, or beyond the walk's
     * table budget). The default throws; override to record and continue with the next entry.
     */
    default void tableError(long va, int level, long tablePa, String message) {
        throw new MemoryAccessException(va, message);
    }
}
