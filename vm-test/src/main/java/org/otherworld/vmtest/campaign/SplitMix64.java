package org.otherworld.vmtest.campaign;

/**
 * The splitmix64 generator (Steele, Lea and Flood, 2014), the same one the guest module ow_fault uses,
 * so a seed means the same sequence on the host and in the guest.
 */
public final class SplitMix64 {
    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    public long next() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, n) (n > 0). */
    public int below(int n) {
        return (int) Long.remainderUnsigned(next(), n);
    }
}
