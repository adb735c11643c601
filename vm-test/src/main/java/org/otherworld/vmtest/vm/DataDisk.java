package org.otherworld.vmtest.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.otherworld.vmtest.guest.Exec;

/**
 * The guest's persistent ext4 disk (virtio, /dev/vda, mounted at /data), made without mounting
 * anything on the host ({@code mke2fs -d}) and read back with {@code debugfs}.
 */
public final class DataDisk {
    private DataDisk() {
    }

    /**
     * Creates {@code image} of {@code sizeMiB} holding the tree {@code base} plus, for each entry of
     * {@code extra}, the host directory copied to the given path inside the disk.
     */
    public static void create(Path image, int sizeMiB, Path base, Map<String, Path> extra) {
        try {
            Path staging = Files.createTempDirectory(image.getParent(), "disk-staging");
            try {
                copyTree(base, staging, true);
                for (Map.Entry<String, Path> e : extra.entrySet()) {
                    copyTree(e.getValue(), staging.resolve(e.getKey()), false);
                }
                Files.deleteIfExists(image);
                Exec.check(List.of("mke2fs", "-q", "-F", "-t", "ext4", "-L", "owdata", "-d", staging.toString(),
                        image.toString(), sizeMiB + "M"), null, 300);
            } finally {
                org.otherworld.vmtest.guest.Files2.deleteTree(staging);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data disk " + image, e);
        }
    }

    /** Copies a file out of the disk image; false if it does not exist there. */
    public static boolean read(Path image, String guestPath, Path dest) {
        try {
            Files.deleteIfExists(dest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Exec.run(List.of("debugfs", "-R", "dump -p " + guestPath + " " + dest, image.toString()), null, 300);
        return Files.exists(dest);
    }

    /** The names of the entries of directory {@code guestDir} in the disk image; empty if it cannot be read. */
    public static List<String> list(Path image, String guestDir) {
        Exec.Result r = Exec.run(List.of("debugfs", "-R", "ls -p " + guestDir, image.toString()), null, 120);
        List<String> names = new java.util.ArrayList<>();
        for (String l : r.stdout().split("\n")) {
            String[] f = l.split("/", -1); // "/inode/mode/uid/gid/name/size/"
            if (f.length >= 7 && !f[5].isEmpty() && !f[5].equals(".") && !f[5].equals("..")) {
                names.add(f[5]);
            }
        }
        return names;
    }

    /** Copies a directory tree out of the disk image into {@code destParent}. */
    public static boolean readTree(Path image, String guestDir, Path destParent) {
        try {
            Files.createDirectories(destParent);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Exec.run(List.of("debugfs", "-R", "rdump " + guestDir + " " + destParent, image.toString()), null, 600);
        return Files.exists(destParent.resolve(Path.of(guestDir).getFileName().toString()));
    }

    /** Copies a tree, hard-linking files when {@code link} (the cached base is never modified). */
    private static void copyTree(Path from, Path to, boolean link) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path d = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(d);
                } else if (link) {
                    Files.createLink(d, p);
                } else {
                    Files.copy(p, d, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
