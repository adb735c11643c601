package org.otherworld.agent.task;

import org.otherworld.agent.vmcore.LittleEndian;

/**
 * The XSAVE header of an XSAVE area (Intel SDM vol. 1, 13.4.2): at byte 512 of the area,
 * XSTATE_BV (which state components hold non-initial data) then XCOMP_BV (bit 63 set: the area is in
 * the compacted format written by XSAVES/XSAVEC, the other bits list the components present).
 *
 * @param xstateBv  XSTATE_BV
 * @param xcompBv   XCOMP_BV
 */
public record XsaveHeader(long xstateBv, long xcompBv) {
    /** Offset of the XSAVE header in the XSAVE area (after the 512-byte legacy FXSAVE region). */
    public static final int OFFSET = 512;
    /** Size of the XSAVE header. */
    public static final int SIZE = 64;
    /** XCOMP_BV bit 63: compacted format. */
    public static final long COMPACTED = 1L << 63;

    /** Parses the header of the XSAVE area {@code area}. @throws IllegalArgumentException if too short */
    public static XsaveHeader parse(byte[] area) {
        if (area.length < OFFSET + SIZE) {
            throw new IllegalArgumentException("XSAVE area of " + area.length + " bytes has no header (need "
                    + (OFFSET + SIZE) + ")");
        }
        return new XsaveHeader(LittleEndian.u64(area, OFFSET), LittleEndian.u64(area, OFFSET + 8));
    }

    public boolean compacted() {
        return (xcompBv & COMPACTED) != 0;
    }

    /** The state components present in a compacted area (XCOMP_BV without bit 63). */
    public long compactedComponents() {
        return xcompBv & ~COMPACTED;
    }

    /** Whether the reserved header bits the CPU requires to be zero are zero (a sanity check). */
    public boolean plausible(byte[] area) {
        for (int i = OFFSET + 16; i < OFFSET + SIZE; i++) {
            if (area[i] != 0) {
                return false;
            }
        }
        return !compacted() || (xstateBv & ~compactedComponents()) == 0;
    }
}
