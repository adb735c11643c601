package org.otherworld.agent.restore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.otherworld.agent.files.DirtyPages.DirtyFile;
import org.otherworld.agent.files.DirtyPages.DirtyPage;

/**
 * Writes the dead kernel's dirty page cache back to the files it belongs to, from the crash kernel: each
 * dirty page at {@code index * 4096} (cut at the file size), the file truncated or extended to the
 * dead kernel's {@code i_size}, then fsync'd. A dead kernel path {@code P} is written at
 * {@code targetRoot + P} (the crash kernel mounts the persistent disks at the same places, so the root is
 * usually {@code /}). Only files of persistent filesystems are written, and only onto a persistent
 * filesystem of the crash kernel (never into its RAM root). Directories of the path that the disk does
 * not have (created shortly before the crash, in a journal transaction that never committed) are made
 * again, on the filesystem of their nearest existing ancestor. One bad file never stops the others.
 *
 * <p>A {@link DirtyFile#journalPending() journal-pending} file (its last metadata change was in a journal
 * transaction that never committed) may have lost, on disk, data whose pages are clean in the cache: each
 * clean cached page within {@code i_size} is compared with what the disk now holds there and written only when
 * it differs or lies beyond the on-disk end (a hole or an unconverted unwritten extent reads as zeros). A
 * pending file the disk holds exactly is not opened for writing.
 */
public final class DirtyPageWriter {
    /** Filesystem types of the crash kernel a file may be written to. */
    public static final Set<String> TARGET_FS = Set.of("ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "vfat",
            "exfat", "jfs", "nfs", "nfs4");
    private static final int PAGE = 4096;

    private final Path targetRoot;
    private final Function<DirtyPage, byte[]> reader;
    private final boolean checkTargetFs;
    private Function<DirtyFile, List<DirtyPage>> cachedPages = f -> List.of();
    /** Bytes of clean cached pages still to compare with the disk (journal-pending files), for all files together. */
    private long compareBudget = DEFAULT_COMPARE_BUDGET;
    /** Default {@link #compareBudget(long)}: 256 MiB. */
    public static final long DEFAULT_COMPARE_BUDGET = 256L << 20;

    /**
     * @param targetRoot    where dead-kernel paths are rooted in this system
     * @param reader        the bytes of a dirty page (from the dump)
     * @param checkTargetFs refuse to write onto non-persistent filesystems (false in tests on tmpfs)
     */
    public DirtyPageWriter(Path targetRoot, Function<DirtyPage, byte[]> reader, boolean checkTargetFs) {
        this.targetRoot = targetRoot;
        this.reader = reader;
        this.checkTargetFs = checkTargetFs;
    }

    /**
     * Where the clean page-cache pages of a file come from (all resident pages of its inode, any order).
     * When the disk holds less of a file than the dead kernel's {@code i_size} (its size and new blocks
     * were in a journal transaction that never committed), the clean pages beyond the on-disk size are
     * written too: otherwise that range would read as zeros. Default: none known.
     */
    public DirtyPageWriter cachedPages(Function<DirtyFile, List<DirtyPage>> source) {
        this.cachedPages = source;
        return this;
    }

    /**
     * At most this many bytes of clean cached pages are read back from the disk to compare, over all
     * journal-pending files (a large file merely read, or changed in place, during the lost transaction
     * would otherwise cost its whole cached size in reads). A pending file that would exceed it gets the
     * size rule only (its clean pages from the on-disk end up to {@code i_size}, as for any file) and is
     * counted in {@link FileResult#overBudget()}.
     */
    public DirtyPageWriter compareBudget(long bytes) {
        this.compareBudget = bytes;
        return this;
    }

    /**
     * Outcome for one file.
     *
     * @param file          the file as the scan found it (its path and the dead kernel's {@code i_size})
     * @param diskSize      its size on the disk before the write (-1: it did not exist)
     * @param uncachedBytes bytes between the on-disk size and {@code size} that no page covered (zeros now)
     * @param verifiedPages clean cached pages compared with the disk (journal-pending files)
     * @param repairedPages clean cached pages written because the disk lacked them or held other bytes
     * @param written       the file was changed (created, written or resized)
     * @param unreachable   not attempted: no usable path, or no persistent filesystem holds it here
     * @param overBudget    journal-pending, but not compared: the comparison budget was spent (size rule only)
     */
    public record FileResult(DirtyFile file, Path target, int pages, long bytes, String error, long diskSize,
                             long uncachedBytes, int verifiedPages, int repairedPages, boolean written,
                             boolean unreachable, boolean overBudget) {
        static FileResult unreachable(DirtyFile f, Path target, String why) {
            return new FileResult(f, target, 0, 0, why, -1, 0, 0, 0, false, true, false);
        }

        static FileResult failed(DirtyFile f, Path target, int pages, long bytes, String why) {
            return new FileResult(f, target, pages, bytes, why, -1, 0, 0, 0, false, false, false);
        }

        /** The file's dead-kernel path. */
        public String path() {
            return file.path();
        }

        /** The dead kernel's {@code i_size}. */
        public long size() {
            return file.size();
        }

        /** Journal-pending with no unwritten page: taken only for the journal check. */
        public boolean pendingOnly() {
            return file.journalPending() && file.pages().isEmpty();
        }
    }

    /**
     * What the journal check did over a flush (the files whose last change was in a journal transaction
     * that never committed).
     *
     * @param pending       journal-pending files
     * @param sameOnDisk    of them, held exactly by the disk (not written)
     * @param repaired      of them, written
     * @param unreachable   of them, not attempted (no path, or no persistent filesystem here)
     * @param notCompared   of them, past the comparison budget (size rule only)
     * @param pagesCompared clean pages compared with the disk
     * @param pagesRepaired clean pages written because the disk differed
     */
    public record JournalSummary(long pending, long sameOnDisk, long repaired, long unreachable, long notCompared,
                                 long pagesCompared, long pagesRepaired) {
        /** Counted over {@code results}. */
        public static JournalSummary of(List<FileResult> results) {
            long pending = 0, same = 0, repaired = 0, unreachable = 0, notCompared = 0, compared = 0, written = 0;
            for (FileResult f : results) {
                if (!f.file().journalPending()) {
                    continue;
                }
                pending++;
                compared += f.verifiedPages();
                written += f.repairedPages();
                notCompared += f.overBudget() ? 1 : 0;
                if (f.unreachable()) {
                    unreachable++;
                } else if (f.error() == null) {
                    if (f.written()) {
                        repaired++;
                    } else {
                        same++;
                    }
                }
            }
            return new JournalSummary(pending, same, repaired, unreachable, notCompared, compared, written);
        }

        /** As report fields (with the journals' committed sequences). */
        public Map<String, Object> json(List<String> committed) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("committed", committed);
            m.put("pending_files", pending);
            m.put("pending_same_on_disk", sameOnDisk);
            m.put("pending_repaired", repaired);
            m.put("pending_unreachable", unreachable);
            m.put("pending_not_compared", notCompared);
            m.put("pages_compared", pagesCompared);
            m.put("pages_repaired", pagesRepaired);
            return m;
        }
    }

    /** Outcome of a flush. */
    public record Result(List<FileResult> files, int filesWritten, long pagesWritten, long bytesWritten) {
        public Result {
            files = List.copyOf(files);
        }
    }

    /** Writes every file of {@code dirty} that belongs to a persistent filesystem. */
    public Result write(List<DirtyFile> dirty) {
        List<FileResult> out = new ArrayList<>();
        int files = 0;
        long pages = 0;
        long bytes = 0;
        for (DirtyFile f : dirty) {
            if (!f.persistent()) {
                continue;
            }
            FileResult r = writeOne(f);
            out.add(r);
            if (r.error() == null && r.written()) {
                files++;
                pages += r.pages();
                bytes += r.bytes();
            }
        }
        return new Result(out, files, pages, bytes);
    }

    /**
     * The file's unwritten pages plus, when the disk holds less than {@code i_size}, its clean cached
     * pages from the page that holds the on-disk end onwards; by index, each once (dirty pages win).
     */
    private List<DirtyPage> withCleanTail(DirtyFile f, long disk) {
        if (disk >= f.size()) {
            return f.pages();
        }
        long from = disk / PAGE;
        Set<Long> dirty = unwrittenIndexes(f);
        return cachedWithin(f).stream().filter(p -> dirty.contains(p.index()) || p.index() + p.bytes() / PAGE > from)
                .toList();
    }

    /** The indexes of the file's unwritten (dirty or writeback) pages. */
    private static Set<Long> unwrittenIndexes(DirtyFile f) {
        Set<Long> s = new HashSet<>();
        f.pages().forEach(p -> s.add(p.index()));
        return s;
    }

    /** Bytes in [oldSize, size) that no page covers. */
    static long uncovered(long size, long oldSize, List<DirtyPage> pages) {
        long missing = 0;
        long pos = oldSize;
        for (DirtyPage p : pages.stream().sorted(Comparator.comparingLong(DirtyPage::index)).toList()) {
            long start = p.fileOffset();
            long end = Math.min(size, start + p.bytes());
            if (end <= pos) {
                continue;
            }
            if (start > pos) {
                missing += Math.min(start, size) - pos;
            }
            pos = end;
            if (pos >= size) {
                break;
            }
        }
        return missing + Math.max(0, size - pos);
    }

    /** Writes one file. */
    public FileResult writeOne(DirtyFile f) {
        if (f.path() == null || !f.path().startsWith("/") || f.path().endsWith(" (deleted)")) {
            return FileResult.unreachable(f, null, "no usable path (inode " + f.ino() + ")");
        }
        Path target = targetRoot.resolve(f.path().substring(1)).normalize();
        if (!target.startsWith(targetRoot)) {
            return FileResult.unreachable(f, target, "path leaves the target root");
        }
        int pages = 0;
        long bytes = 0;
        try {
            Path parent = target.getParent();
            Path existing = parent;
            while (existing != null && !Files.isDirectory(existing)) {
                existing = existing.getParent();
            }
            if (parent == null || existing == null || !existing.startsWith(targetRoot)) {
                return FileResult.unreachable(f, target, "directory " + parent + " does not exist");
            }
            if (checkTargetFs) {
                FileStore store = Files.getFileStore(existing);
                if (!TARGET_FS.contains(store.type())) {
                    return FileResult.unreachable(f, target, "target filesystem " + store.type()
                            + " is not persistent (disk not mounted?)");
                }
            }
            long disk = Files.exists(target) ? Files.size(target) : -1;
            List<DirtyPage> cached = f.journalPending() ? cachedWithin(f) : List.of();
            boolean compare = f.journalPending() && withinBudget(cached, Math.min(Math.max(disk, 0), f.size()));
            Selection sel = compare ? differingFromDisk(f, cached, target, Math.max(disk, 0))
                    : new Selection(withCleanTail(f, Math.max(disk, 0)), 0);
            List<DirtyPage> toWrite = sel.pages();
            int repaired = cleanAmong(f, toWrite);
            boolean overBudget = f.journalPending() && !compare;
            if (f.journalPending() && toWrite.isEmpty() && disk == f.size()) {
                // the disk holds the file as the dead kernel saw it (or as much of it as was compared)
                return new FileResult(f, target, 0, 0, null, disk, 0, sel.verified(), 0, false, false, overBudget);
            }
            if (!existing.equals(parent)) {
                // the dead kernel had these directories, but their creation was in a journal transaction
                // that never committed: make them again so the data has its path
                Files.createDirectories(parent);
            }
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
                for (DirtyPage p : toWrite) {
                    long off = p.fileOffset();
                    if (off >= f.size()) {
                        continue; // beyond i_size: not file data
                    }
                    int len = (int) Math.min(p.bytes(), f.size() - off);
                    byte[] data = reader.apply(p);
                    ByteBuffer b = ByteBuffer.wrap(data, 0, Math.min(len, data.length));
                    long pos = off;
                    while (b.hasRemaining()) {
                        pos += ch.write(b, pos);
                    }
                    pages += (len + PAGE - 1) / PAGE;
                    bytes += len;
                }
                if (ch.size() > f.size()) {
                    ch.truncate(f.size());
                } else if (ch.size() < f.size()) {
                    // the last page was not dirty: the bytes up to i_size were zeros the kernel had not written
                    ch.write(ByteBuffer.allocate(1), f.size() - 1);
                }
                ch.force(true);
            }
            return new FileResult(f, target, pages, bytes, null, disk,
                    uncovered(f.size(), Math.max(disk, 0), compare ? cached : toWrite),
                    sel.verified(), repaired, true, false, overBudget);
        } catch (IOException | RuntimeException e) {
            return FileResult.failed(f, target, pages, bytes, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * Whether the cached pages below {@code end} (what would be compared) fit in what is left of the
     * comparison budget; if so, they are taken from it.
     */
    private boolean withinBudget(List<DirtyPage> cached, long end) {
        long bytes = 0;
        for (DirtyPage p : cached) {
            if (p.fileOffset() < end) {
                bytes += p.bytes();
            }
        }
        if (bytes > compareBudget) {
            return false;
        }
        compareBudget -= bytes;
        return true;
    }

    /** Pages chosen for writing, and how many clean cached pages were compared with the disk to choose them. */
    private record Selection(List<DirtyPage> pages, int verified) {
    }

    /** How many of {@code pages} are not among the file's unwritten (dirty or writeback) pages. */
    private static int cleanAmong(DirtyFile f, List<DirtyPage> pages) {
        Set<Long> dirty = unwrittenIndexes(f);
        return (int) pages.stream().filter(p -> !dirty.contains(p.index())).count();
    }

    /** The file's cached pages (clean and unwritten) that start within {@code i_size}, by index, each once (unwritten ones win). */
    private List<DirtyPage> cachedWithin(DirtyFile f) {
        TreeMap<Long, DirtyPage> byIndex = new TreeMap<>();
        for (DirtyPage p : cachedPages.apply(f)) {
            if (p.fileOffset() < f.size()) {
                byIndex.put(p.index(), p);
            }
        }
        for (DirtyPage p : f.pages()) {
            byIndex.put(p.index(), p);
        }
        return new ArrayList<>(byIndex.values());
    }

    /**
     * For a journal-pending file: of its cached pages ({@code cached}, from {@link #cachedWithin}), the
     * unwritten ones, and each clean one that reaches beyond the on-disk end ({@code disk}) or whose bytes on
     * disk differ from the cache.
     */
    private Selection differingFromDisk(DirtyFile f, List<DirtyPage> cached, Path target, long disk) throws IOException {
        Set<Long> dirty = unwrittenIndexes(f);
        List<DirtyPage> out = new ArrayList<>();
        int verified = 0;
        FileChannel in = disk > 0 ? FileChannel.open(target, StandardOpenOption.READ) : null;
        try {
            for (DirtyPage p : cached) {
                long off = p.fileOffset();
                int len = (int) Math.min(p.bytes(), f.size() - off);
                if (dirty.contains(p.index()) || in == null || off + len > disk) {
                    out.add(p);
                    continue;
                }
                verified++;
                ByteBuffer onDisk = ByteBuffer.allocate(len);
                long pos = off;
                while (onDisk.hasRemaining() && in.read(onDisk, pos) > 0) {
                    pos = off + onDisk.position();
                }
                byte[] inCache = reader.apply(p);
                if (onDisk.hasRemaining() || inCache.length < len
                        || !java.util.Arrays.equals(onDisk.array(), 0, len, inCache, 0, len)) {
                    out.add(p);
                }
            }
        } finally {
            if (in != null) {
                in.close();
            }
        }
        return new Selection(out, verified);
    }
}
