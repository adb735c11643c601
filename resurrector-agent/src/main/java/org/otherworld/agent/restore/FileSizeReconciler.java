package org.otherworld.agent.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.otherworld.agent.files.DirtyPages.DirtyFile;

/**
 * Makes the regular files that resurrected processes hold open agree with the dead kernel's view of them,
 * after the dirty page write-back ({@link DirtyPageWriter}).
 *
 * <p>Why: a file whose data was written back shortly before the crash has clean page-cache pages, but on
 * ext4 its new size (and the extent pointing at the data) sits in a journal transaction that had not
 * committed; after journal recovery the disk holds the old size. criu restore compares each open file's
 * size with the image and refuses the process ("File ... has bad size 0 (expect 135)"), and the application
 * would read the old contents anyway. For every such file whose size on disk differs from the dead
 * kernel's {@code i_size}, its cached pages from the on-disk end up to {@code i_size} (what the application
 * last saw) are written and the size is set to {@code i_size}. Bytes in neither the cache nor the old file read
 * as zeros: the outcome counts them so the report can say so. Files written by the dirty write-back are
 * skipped (already exact); files of equal size are not touched.
 */
public final class FileSizeReconciler {
    /**
     * An open regular file of a resurrected process.
     *
     * @param path  its dead-kernel path (absolute)
     * @param inode address of its struct inode (identity)
     * @param ino   inode number
     * @param size  the dead kernel's i_size
     */
    public record Candidate(String path, long inode, long ino, long size) {
    }

    /**
     * What was done for one file whose size differed.
     *
     * @param diskSize   its size on disk before (-1: it did not exist)
     * @param pages      cached pages written
     * @param uncached   bytes within the new size in neither the page cache nor the old file (now zeros)
     */
    public record Outcome(String path, long diskSize, long size, int pages, long uncached, String error) {
        /** As a JSON-ready map. */
        public Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", path);
            m.put("disk_size", diskSize);
            m.put("size", size);
            m.put("pages", (long) pages);
            m.put("uncached_bytes", uncached);
            m.put("error", error);
            return m;
        }
    }

    private final Path targetRoot;
    private final DirtyPageWriter writer;

    /**
     * @param targetRoot where dead-kernel paths are rooted here
     * @param writer     the writer that writes pages, with its {@link DirtyPageWriter#cachedPages} source
     */
    public FileSizeReconciler(Path targetRoot, DirtyPageWriter writer) {
        this.targetRoot = targetRoot;
        this.writer = writer;
    }

    /**
     * Reconciles every candidate whose on-disk size differs (each inode once): the writer writes the clean
     * cached pages from the on-disk end onwards ({@link DirtyPageWriter#cachedPages}) and sets the size.
     *
     * @param written inodes the dirty write-back already wrote (it completed their tails itself)
     */
    public List<Outcome> reconcile(List<Candidate> candidates, Set<Long> written) {
        List<Outcome> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>(written);
        for (Candidate c : candidates) {
            if (c.path() == null || !c.path().startsWith("/") || c.path().endsWith(" (deleted)") || !seen.add(c.inode())) {
                continue;
            }
            Path target = targetRoot.resolve(c.path().substring(1)).normalize();
            try {
                if (Files.exists(target) && Files.size(target) == c.size()) {
                    continue;
                }
            } catch (IOException e) {
                out.add(new Outcome(c.path(), -1, c.size(), 0, 0, "cannot stat " + target + ": " + e.getMessage()));
                continue;
            }
            DirtyPageWriter.FileResult r = writer.writeOne(new DirtyFile(0, "", true, c.inode(), c.ino(), c.path(),
                    c.size(), List.of()));
            out.add(new Outcome(c.path(), r.diskSize(), c.size(), r.pages(), r.uncachedBytes(), r.error()));
        }
        return out;
    }
}
