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
import java.util.List;
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
     * Outcome for one file.
     *
     * @param diskSize      its size on the disk before the write (-1: it did not exist)
     * @param uncachedBytes bytes between the on-disk size and {@code size} that no page covered (zeros now)
     */
    public record FileResult(String path, Path target, long size, int pages, long bytes, String error, long diskSize,
                             long uncachedBytes) {
        FileResult(String path, Path target, long size, int pages, long bytes, String error) {
            this(path, target, size, pages, bytes, error, -1, 0);
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
            if (r.error() == null) {
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
        TreeMap<Long, DirtyPage> byIndex = new TreeMap<>();
        long from = disk / PAGE;
        for (DirtyPage p : cachedPages.apply(f)) {
            if (p.index() + p.bytes() / PAGE > from && p.fileOffset() < f.size()) {
                byIndex.put(p.index(), p);
            }
        }
        for (DirtyPage p : f.pages()) {
            byIndex.put(p.index(), p);
        }
        return new ArrayList<>(byIndex.values());
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
            return new FileResult(f.path(), null, f.size(), 0, 0, "no usable path (inode " + f.ino() + ")");
        }
        Path target = targetRoot.resolve(f.path().substring(1)).normalize();
        if (!target.startsWith(targetRoot)) {
            return new FileResult(f.path(), target, f.size(), 0, 0, "path leaves the target root");
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
                return new FileResult(f.path(), target, f.size(), 0, 0, "directory " + parent + " does not exist");
            }
            if (checkTargetFs) {
                FileStore store = Files.getFileStore(existing);
                if (!TARGET_FS.contains(store.type())) {
                    return new FileResult(f.path(), target, f.size(), 0, 0, "target filesystem " + store.type()
                            + " is not persistent (disk not mounted?)");
                }
            }
            if (!existing.equals(parent)) {
                // the dead kernel had these directories, but their creation was in a journal transaction
                // that never committed: make them again so the data has its path
                Files.createDirectories(parent);
            }
            long disk = Files.exists(target) ? Files.size(target) : -1;
            List<DirtyPage> toWrite = withCleanTail(f, Math.max(disk, 0));
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
            return new FileResult(f.path(), target, f.size(), pages, bytes, null, disk,
                    uncovered(f.size(), Math.max(disk, 0), toWrite));
        } catch (IOException | RuntimeException e) {
            return new FileResult(f.path(), target, f.size(), pages, bytes,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
