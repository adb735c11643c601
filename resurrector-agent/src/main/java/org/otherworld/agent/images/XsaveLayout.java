package org.otherworld.agent.images;

/**
 * Where the XSAVE components live in the standard (non-compacted) XSAVE format of the machine, as
 * reported by CPUID leaf 0xD (sub-leaf n: EAX = size, EBX = offset, ECX bit 1 = 64-byte aligned when
 * compacted). Only the user components CRIU stores are described.
 *
 * @param features     XCR0 bits of the kernel (fpu_user_cfg.max_features): which components exist
 * @param offsets      standard offset per component bit (index = bit; unused entries 0)
 * @param alignedMask  components that are 64-byte aligned in the compacted format
 */
public record XsaveLayout(long features, int[] offsets, long alignedMask) {

    /** XSAVE component numbers (arch/x86/include/asm/fpu/types.h enum xfeature). */
    public static final int FP = 0, SSE = 1, YMM = 2, BNDREGS = 3, BNDCSR = 4, OPMASK = 5, ZMM_HI256 = 6,
            HI16_ZMM = 7, PKRU = 9;
    /** Component sizes in bytes (fixed by the architecture; CRIU's compel/.../asm/fpu.h structs). */
    private static final int[] SIZES = {160, 256, 256, 64, 64, 64, 512, 1024, 0, 8};
    /** Legacy FXSAVE area and the XSAVE header that follows it. */
    public static final int LEGACY_SIZE = 512, HEADER_SIZE = 64;
    /** xcomp_bv bit 63: the area is in compacted format (XSAVEC/XSAVES). */
    public static final long XCOMP_BV_COMPACTED = 1L << 63;

    /** Intel layout with x87, SSE, AVX, AVX-512 and PKRU (e.g. QEMU -cpu max, Skylake-SP and later). */
    public static final XsaveLayout INTEL_AVX512 = new XsaveLayout(0x2e7,
            new int[] {0, 160, 576, 960, 1024, 1088, 1152, 1664, 0, 2688}, 0);
    /** Layout with only x87, SSE and AVX. */
    public static final XsaveLayout AVX = new XsaveLayout(0x7, new int[] {0, 160, 576, 0, 0, 0, 0, 0, 0, 0}, 0);

    public XsaveLayout {
        offsets = offsets.clone();
        if (offsets.length <= PKRU) {
            throw new IllegalArgumentException("need offsets for components 0.." + PKRU);
        }
    }

    /** True if the component exists on this machine. */
    public boolean has(int component) {
        return (features >>> component & 1) != 0;
    }

    /** Size of component {@code c} in bytes. */
    public static int size(int c) {
        return SIZES[c];
    }

    /** Standard-format size of the whole area (end of the highest described component). */
    public int standardSize() {
        int end = LEGACY_SIZE + HEADER_SIZE;
        for (int c = YMM; c <= PKRU; c++) {
            if (has(c)) {
                end = Math.max(end, offsets[c] + SIZES[c]);
            }
        }
        return end;
    }

    /**
     * Offset of component {@code c} in an area whose header says {@code xcompBv}: the standard offset,
     * or for the compacted format the packed position after all lower components present in xcomp_bv.
     * Components between 8 and 9 (PT, supervisor) are assumed absent from xcomp_bv for user tasks.
     */
    public int offsetOf(int c, long xcompBv) {
        if ((xcompBv & XCOMP_BV_COMPACTED) == 0) {
            return offsets[c];
        }
        int off = LEGACY_SIZE + HEADER_SIZE;
        for (int i = YMM; i < c; i++) {
            if ((xcompBv >>> i & 1) != 0) {
                off = align(off, i) + SIZES[i];
            }
        }
        return align(off, c);
    }

    private int align(int off, int c) {
        return (alignedMask >>> c & 1) != 0 ? (off + 63) & ~63 : off;
    }
}
