package org.otherworld.agent.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.otherworld.agent.files.FilesContext;
import org.otherworld.agent.files.PageCache;
import org.otherworld.agent.images.AnonShmemImage;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.task.Vma;

/**
 * The shared anonymous memory objects (shmem inodes, {@link ResourceClassifier#isSharedAnon}) that the
 * processes of one image set map, each once, with the bytes its mappings cover, and their contents from
 * the dead kernel's page cache as {@link AnonShmemImage}s.
 */
final class SharedAnonMemory {
    /** One object: its shmem inode's address, the key (inode number), the bytes mapped, its cached folios. */
    private static final class Shmem {
        final long ino;
        final List<PageCache.CachedPage> pages;
        long size;

        Shmem(long ino, List<PageCache.CachedPage> pages) {
            this.ino = ino;
            this.pages = pages;
        }
    }

    private final DeadKernel kernel;
    private final PageCache cache;
    private final Map<Long, Shmem> byIno = new LinkedHashMap<>();

    SharedAnonMemory(DeadKernel kernel) {
        this.kernel = kernel;
        this.cache = new PageCache(FilesContext.of(kernel));
    }

    /**
     * Adds the objects that {@code vmas} (one process's) map, growing each one's size to cover every
     * mapping; reads each object's page cache once.
     *
     * @throws IllegalStateException when a page of one is swapped out (its contents are not in the dump)
     */
    void add(List<Vma> vmas) {
        for (Vma v : vmas) {
            if (!ResourceClassifier.isSharedAnon(v)) {
                continue;
            }
            Shmem sh = byIno.get(v.inode());
            if (sh == null) {
                long inode = kernel.types().object(kernel.kernelMemory(), "file", v.file()).pointer("f_inode");
                List<PageCache.CachedPage> all = cache.allPages(inode, true);
                long swapped = all.stream().filter(pg -> !pg.resident()).count();
                if (swapped > 0) {
                    throw new IllegalStateException("shared anonymous memory at 0x" + Long.toHexString(v.start())
                            + " has " + swapped + " pages swapped out (not in the dump)");
                }
                sh = new Shmem(v.inode(), all);
                byIno.put(v.inode(), sh);
            }
            sh.size = Math.max(sh.size, v.offset() + (v.end() - v.start()));
        }
    }

    /**
     * The objects as images: their non-zero cached pages below the mapped size, read from the dump in
     * physically contiguous runs and with all-zero pages left out (a hole of the restored memfd reads as
     * zeros) by the same {@link VmcorePageSource.RunReader} as process memory.
     */
    List<AnonShmemImage> images() {
        List<AnonShmemImage> out = new ArrayList<>();
        for (Shmem sh : byIno.values()) {
            List<PageCache.CachedPage> cached = sh.pages;
            long end = sh.size;
            PageSource src = sink -> {
                VmcorePageSource.RunReader runs = VmcorePageSource.runReader(kernel.physicalMemory(), sink);
                runs.skipZeroPages(true);
                for (PageCache.CachedPage cp : cached) {
                    long off = cp.index() * PageCache.PAGE_SIZE;
                    long count = Math.min(cp.bytes(), end - off) / PageCache.PAGE_SIZE;
                    if (count > 0) {
                        runs.add(off, cp.phys(), count);
                    }
                }
                runs.flush();
            };
            out.add(new AnonShmemImage(sh.ino, sh.size, src));
        }
        return out;
    }

    /**
     * Per tree root, a warning for each shared anonymous memory object (by inode number) that resurrected
     * processes of more than one tree map: each set restores its own copy (criu restores a tree at a
     * time), so after the resurrection those processes no longer share that memory.
     */
    static Map<Integer, List<String>> sharedAcrossTrees(List<ResurrectionPlan> trees) {
        Map<Long, TreeSet<Integer>> rootsOf = new HashMap<>();
        for (ResurrectionPlan t : trees) {
            for (ProcessPlan p : t.processes()) {
                for (Vma v : p.model().vmas()) {
                    if (ResourceClassifier.isSharedAnon(v)) {
                        rootsOf.computeIfAbsent(v.inode(), k -> new TreeSet<>()).add(t.rootPid());
                    }
                }
            }
        }
        Map<Integer, List<String>> out = new HashMap<>();
        rootsOf.forEach((ino, roots) -> {
            if (roots.size() > 1) {
                for (int r : roots) {
                    out.computeIfAbsent(r, k -> new ArrayList<>()).add("shared anonymous memory (shmem inode " + ino
                            + ") is also mapped by the trees of " + roots.stream().filter(x -> x != r).toList()
                            + ": each restores its own copy, no longer shared between them");
                }
            }
        });
        return out;
    }
}
