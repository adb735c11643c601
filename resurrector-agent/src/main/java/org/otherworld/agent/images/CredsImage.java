package org.otherworld.agent.images;

/**
 * Process credentials (creds_entry, stored in every thread's thread_core_entry). Capability sets are
 * 64-bit masks (CRIU stores each as two u32 words, low word first).
 */
public record CredsImage(int uid, int gid, int euid, int egid, int suid, int sgid, int fsuid, int fsgid,
        long capInh, long capPrm, long capEff, long capBnd, int secbits, int[] groups) {

    public CredsImage {
        groups = groups == null ? new int[0] : groups.clone();
    }

    /** root with full capabilities (for tests). */
    public static CredsImage root() {
        long all = (1L << 41) - 1;
        return new CredsImage(0, 0, 0, 0, 0, 0, 0, 0, 0, all, all, all, 0, new int[0]);
    }
}
