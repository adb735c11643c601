package org.otherworld.agent.task;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code vm_flags} bits of a VMA (include/linux/mm.h, v6.1: fixed #defines, identical on every
 * x86-64 6.x build) and their rendering as /proc/PID/maps permissions.
 */
public final class VmaFlags {
    public static final long VM_READ = 0x1;
    public static final long VM_WRITE = 0x2;
    public static final long VM_EXEC = 0x4;
    public static final long VM_SHARED = 0x8;
    public static final long VM_MAYREAD = 0x10;
    public static final long VM_MAYWRITE = 0x20;
    public static final long VM_MAYEXEC = 0x40;
    public static final long VM_MAYSHARE = 0x80;
    public static final long VM_GROWSDOWN = 0x100;
    public static final long VM_UFFD_MISSING = 0x200;
    public static final long VM_PFNMAP = 0x400;
    public static final long VM_UFFD_WP = 0x1000;
    public static final long VM_LOCKED = 0x2000;
    public static final long VM_IO = 0x4000;
    public static final long VM_SEQ_READ = 0x8000;
    public static final long VM_RAND_READ = 0x10000;
    public static final long VM_DONTCOPY = 0x20000;
    public static final long VM_DONTEXPAND = 0x40000;
    public static final long VM_LOCKONFAULT = 0x80000;
    public static final long VM_ACCOUNT = 0x100000;
    public static final long VM_NORESERVE = 0x200000;
    public static final long VM_HUGETLB = 0x400000;
    public static final long VM_SYNC = 0x800000;
    public static final long VM_ARCH_1 = 0x1000000;
    public static final long VM_WIPEONFORK = 0x2000000;
    public static final long VM_DONTDUMP = 0x4000000;
    public static final long VM_SOFTDIRTY = 0x8000000;
    public static final long VM_MIXEDMAP = 0x10000000;
    public static final long VM_HUGEPAGE = 0x20000000;
    public static final long VM_NOHUGEPAGE = 0x40000000;
    public static final long VM_MERGEABLE = 0x80000000L;

    private static final String[] NAMES = {"read", "write", "exec", "shared", "mayread", "maywrite", "mayexec",
        "mayshare", "growsdown", "uffd_missing", "pfnmap", null, "uffd_wp", "locked", "io", "seq_read",
        "rand_read", "dontcopy", "dontexpand", "lockonfault", "account", "noreserve", "hugetlb", "sync",
        "arch_1", "wipeonfork", "dontdump", "softdirty", "mixedmap", "hugepage", "nohugepage", "mergeable"};

    private VmaFlags() {
    }

    /**
     * The four-character permission string of /proc/PID/maps (fs/proc/task_mmu.c show_vma_header_prefix):
     * r/w/x from VM_READ/WRITE/EXEC, then 's' if VM_MAYSHARE else 'p'.
     */
    public static String perms(long flags) {
        char[] c = {
            (flags & VM_READ) != 0 ? 'r' : '-',
            (flags & VM_WRITE) != 0 ? 'w' : '-',
            (flags & VM_EXEC) != 0 ? 'x' : '-',
            (flags & VM_MAYSHARE) != 0 ? 's' : 'p'};
        return new String(c);
    }

    /** The names of the set bits, lowest first (unknown bits as hex). */
    public static List<String> names(long flags) {
        List<String> out = new ArrayList<>();
        for (int b = 0; b < 64; b++) {
            if ((flags & (1L << b)) == 0) {
                continue;
            }
            out.add(b < NAMES.length && NAMES[b] != null ? NAMES[b] : "0x" + Long.toHexString(1L << b));
        }
        return out;
    }
}
