package org.otherworld.vmtest.install;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.otherworld.vmtest.guest.Exec;
import org.otherworld.vmtest.guest.Files2;

/**
 * A Debian 12 root filesystem with systemd, made by debootstrap with the resource script
 * {@code install/build-rootfs.sh}, cached under {@code CACHE/debian-rootfs/KEY/} where KEY hashes the
 * script and the mirror (a changed script builds anew; {@code identity.txt} records the inputs).
 */
public final class DebianRootfs {
    /** The script that builds it (a resource of this module). */
    static final String SCRIPT = "/install/build-rootfs.sh";
    static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";

    private final Path dir;

    private DebianRootfs(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    static String resource(String name) throws IOException {
        try (InputStream in = DebianRootfs.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " missing from vm-test");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The cache key of a rootfs built by {@code script} from {@code mirror}. */
    static String key(String script, String mirror) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(script.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(mirror.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where the cached rootfs for the current script would be (it may not exist yet). */
    public static Path cachedDir(Path cache) throws IOException {
        String mirror = System.getenv().getOrDefault("OTHERWORLD_DEBIAN_MIRROR", DEFAULT_MIRROR);
        return cache.resolve("debian-rootfs").resolve(key(resource(SCRIPT), mirror));
    }

    /** The cached rootfs, built first when missing (debootstrap, needs root and network: minutes). */
    public static DebianRootfs obtain(Path cache, Consumer<String> log) throws IOException {
        String mirror = System.getenv().getOrDefault("OTHERWORLD_DEBIAN_MIRROR", DEFAULT_MIRROR);
        String script = resource(SCRIPT);
        Path dir = cachedDir(cache);
        if (Files.isRegularFile(dir.resolve("identity.txt"))) {
            log.accept("debian rootfs " + dir.getFileName() + ": cached");
            return new DebianRootfs(dir);
        }
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        Files.createDirectories(tmp.getParent());
        Path scriptFile = tmp.resolveSibling(dir.getFileName() + ".sh");
        Files.writeString(scriptFile, script);
        log.accept("debian rootfs " + dir.getFileName() + ": debootstrap from " + mirror + " (minutes)");
        long t0 = System.nanoTime();
        Exec.Result r = Exec.run(List.of("sh", scriptFile.toString(), tmp.toString(), mirror), tmp.getParent(), 1800);
        if (r.exit() != 0) {
            throw new IOException("build-rootfs.sh failed (exit " + r.exit() + "): " + tail(r.stdout() + r.stderr()));
        }
        Files.writeString(tmp.resolve("identity.txt"), "script-sha " + key(script, "") + "\nmirror " + mirror
                + "\nbuilt-seconds " + (System.nanoTime() - t0) / 1_000_000_000 + "\n");
        Files2.deleteTree(dir);
        Files.move(tmp, dir);
        Files.delete(scriptFile);
        log.accept("debian rootfs " + dir.getFileName() + ": built in " + (System.nanoTime() - t0) / 1_000_000_000 + " s");
        return new DebianRootfs(dir);
    }

    private static String tail(String s) {
        String t = s.strip();
        return t.length() > 800 ? t.substring(t.length() - 800) : t;
    }

    /** The single installed kernel release (its /boot/vmlinuz-RELEASE). */
    public String kernelRelease() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("boot"))) {
            List<String> r = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("vmlinuz-"))
                    .map(n -> n.substring("vmlinuz-".length())).sorted().toList();
            if (r.size() != 1) {
                throw new IOException(dir + "/boot: expected one vmlinuz-*, found " + r);
            }
            return r.get(0);
        }
    }

    public Path kernel() throws IOException {
        return dir.resolve("boot/vmlinuz-" + kernelRelease());
    }

    public Path initrd() throws IOException {
        return dir.resolve("boot/initrd.img-" + kernelRelease());
    }
}
