package org.otherworld.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What {@code arm} records on the root filesystem for the crash kernel, which mounts that filesystem
 * and reads it there ({@code /var/lib/otherworld/arm/}, one small file per item, read by crash-init):
 * {@code release}, {@code kernel}, {@code initrd} (what the hand-over boots), {@code main-cmdline},
 * {@code memmap}, {@code crash-cmdline}, {@code armed-at}, and {@code profile/} (System.map and btf)
 * on kernels before 6.0. Written to a fresh directory and renamed over the old one.
 */
public final class ArmRecord {
    /** Fixed: crash-init reads it before any configuration is parsed. */
    public static final String DIR = "/var/lib/otherworld/arm";

    private ArmRecord() {
    }

    /** Replaces the record on {@code host} with {@code items} (file name to content). */
    public static void write(Host host, Map<String, String> items, Map<String, byte[]> profile) throws IOException {
        Path dir = host.path(DIR);
        Path tmp = dir.resolveSibling("arm.new");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        for (Map.Entry<String, String> e : items.entrySet()) {
            Files.writeString(tmp.resolve(e.getKey()), e.getValue() + "\n", StandardCharsets.UTF_8);
        }
        if (!profile.isEmpty()) {
            Files.createDirectories(tmp.resolve("profile"));
            for (Map.Entry<String, byte[]> e : profile.entrySet()) {
                Files.write(tmp.resolve("profile").resolve(e.getKey()), e.getValue());
            }
        }
        Path old = dir.resolveSibling("arm.old");
        deleteTree(old);
        if (Files.exists(dir)) {
            Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    /** The record's items (without the profile), or empty when there is none. */
    public static Optional<Map<String, String>> read(Host host) {
        Path dir = host.path(DIR);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(p.getFileName().toString(), Files.readString(p).strip());
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(m);
    }

    /** Removes the record. */
    public static void delete(Host host) throws IOException {
        deleteTree(host.path(DIR));
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
