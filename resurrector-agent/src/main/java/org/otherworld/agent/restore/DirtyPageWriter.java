package org.otherworld.agent.restore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.otherworld.agent.files.DirtyPages.DirtyFile;
import org.otherworld.agent.files.DirtyPages.DirtyPage;

/**
 * Writes the dead kernel's dirty page cache back to the files it belongs to, from the crash kernel: each
 * dirty page at {@code index * 4096} (cut at the file size), the file truncated or extended to the
 * dead kernel's {@code i_size}, then fsync'd. A dead kernel path {@code P} is written at
 * {@code targetRoot + P} (the crash kernel mounts the persistent disks at the same places, so the root is
 * usually {@code /}). Only files of persistent filesystems are written, and only onto a persistent
 * filesystem of the crash kernel (never into its RAM root). One bad file never stops the others.
 */
public final class DirtyPageWriter {
    /** Filesystem types of the crash kernel a file may be written to. */
    public static final Set<String> TARGET_FS = Set.of("ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "vfat",
            "exfat", "jfs", "nfs", "nfs4");
    private static final int PAGE = 4096;

    private final Path targetRoot;
    private final Function<DirtyPage, byte[]> reader;
    private final boolean checkTargetFs;

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

    /** Outcome for one file. */
    public record FileResult(String path, Path target, long size, int pages, long bytes, String error) {
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
            if (parent == null || !Files.isDirectory(parent)) {
                return new FileResult(f.path(), target, f.size(), 0, 0, "directory " + parent + " does not exist");
            }
            if (checkTargetFs) {
                FileStore store = Files.getFileStore(parent);
                if (!TARGET_FS.contains(store.type())) {
                    return new FileResult(f.path(), target, f.size(), 0, 0, "target filesystem " + store.type()
                            + " is not persistent (disk not mounted?)");
                }
            }
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
                for (DirtyPage p : f.pages()) {
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
            return new FileResult(f.path(), target, f.size(), pages, bytes, null);
        } catch (IOException | RuntimeException e) {
            return new FileResult(f.path(), target, f.size(), pages, bytes,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
