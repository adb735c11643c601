package org.otherworld.agent.task;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.otherworld.agent.mm.PageKind;
import org.otherworld.agent.mm.PageVisitor;
import org.otherworld.agent.mm.UserAddressSpace;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;

/**
 * Hashes each maximal run of consecutive resident pages (PRESENT or PROT_NONE, what /proc/PID/pagemap
 * reports as present) within each VMA with SHA-256, reading the pages straight from the dump; the
 * same runs and digests as {@code LiveSnapshot} computes through /proc/PID/mem. VMAs named [vvar] and
 * [vsyscall] are skipped (not ordinary memory).
 */
public final class PageHasher {
    /** VMAs whose pages are not hashed, as in the ground truth. */
    public static final Set<String> SKIP = Set.of("[vvar]", "[vsyscall]");
    private static final int PAGE = 4096;

    private final PhysicalMemory phys;

    public PageHasher(PhysicalMemory phys) {
        this.phys = phys;
    }

    /** The resident runs of every VMA, in VMA order. */
    public List<PageRun> hash(UserAddressSpace space, List<Vma> vmas) {
        List<PageRun> out = new ArrayList<>();
        for (Vma v : vmas) {
            if (!SKIP.contains(v.label())) {
                hash(space, v.start(), v.end(), out);
            }
        }
        return out;
    }

    /**
     * Appends the resident runs of {@code [start, end)} to {@code out}.
     *
     * @throws MemoryAccessException if a page table of the range is unreadable
     */
    public void hash(UserAddressSpace space, long start, long end, List<PageRun> out) {
        RunBuilder rb = new RunBuilder(out);
        space.pages(start, end, new PageVisitor() {
            @Override
            public void resident(long va, long pa, long size, long entry, PageKind kind) {
                long s = Math.max(va, start);
                long e = Math.min(va + size, end);
                for (long a = s; a < e; a += PAGE) {
                    rb.page(a, pa + (a - va));
                }
            }
        });
        rb.finish();
    }

    private final class RunBuilder {
        final List<PageRun> out;
        final MessageDigest sha = sha256();
        final byte[] buf = new byte[PAGE];
        long runStart = -1;
        long runEnd;
        String error;

        RunBuilder(List<PageRun> out) {
            this.out = out;
        }

        void page(long va, long pa) {
            if (runStart >= 0 && va != runEnd) {
                finish();
            }
            if (runStart < 0) {
                runStart = va;
                sha.reset();
                error = null;
            }
            runEnd = va + PAGE;
            if (error != null) {
                return;
            }
            try {
                phys.read(pa, buf, 0, PAGE);
                sha.update(buf, 0, PAGE);
            } catch (MemoryAccessException e) {
                error = "page 0x" + Long.toHexString(va) + " at physical 0x" + Long.toHexString(pa) + ": " + e.getMessage();
            }
        }

        void finish() {
            if (runStart >= 0) {
                out.add(error == null ? new PageRun(runStart, runEnd, HexFormat.of().formatHex(sha.digest()), null)
                        : new PageRun(runStart, runEnd, null, error));
            }
            runStart = -1;
            error = null;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }
}
