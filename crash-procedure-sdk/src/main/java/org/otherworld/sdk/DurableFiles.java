package org.otherworld.sdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Crash-safe file updates: write a temporary file, fsync it, rename it over the target, fsync the
 * directory. After a kernel panic the file therefore holds either the old or the new content, never
 * a mix, and does not depend on the dead kernel's page cache.
 */
final class DurableFiles {
    private DurableFiles() {
    }

    /** Atomically replaces {@code target} with {@code text} (UTF-8) and forces it to disk. */
    static void writeAtomically(Path target, String text) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dir);
    }

    /** Deletes {@code target} if present and makes the deletion durable. */
    static boolean deleteDurably(Path target) throws IOException {
        boolean deleted = Files.deleteIfExists(target);
        if (deleted) {
            fsyncDirectory(target.toAbsolutePath().getParent());
        }
        return deleted;
    }

    /** Renames {@code from} to {@code to} atomically and makes the rename durable. */
    static void renameDurably(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(to.toAbsolutePath().getParent());
    }

    /** Forces a directory's entries to disk (Linux allows fsync on a read-only directory fd). */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
