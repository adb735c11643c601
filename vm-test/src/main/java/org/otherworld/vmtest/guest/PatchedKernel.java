package org.otherworld.vmtest.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The output of {@code kernel-patches/build.sh --full}: Debian's 6.1 kernel with the Otherworld
 * series, found in the build cache ({@code $OW_KERNEL_CACHE}, default
 * {@code ~/.cache/otherworld/kernel-src}, one directory per source package version) without running
 * the build: {@code VERSION/full/out/{release, boot/vmlinuz-REL, lib/modules/REL}} and the build
 * directory {@code VERSION/full/build} (for out-of-tree modules).
 *
 * @param release  the kernel release ({@code out/release}, e.g. 6.1.192-otherworld)
 * @param out      {@code full/out}: laid out like an unpacked Debian kernel package
 * @param buildDir {@code full/build}: {@code make -C buildDir M=... modules} builds modules for it
 * @param identity source version, release and a hash of the image: part of the guest cache key
 */
public record PatchedKernel(String release, Path out, Path buildDir, String identity) {
    /** The measured first full build on this project's 2-core machines (docs/kernel-patches.md). */
    public static final String BUILD_TIME = "about 31 minutes";

    public Path image() {
        return out.resolve("boot/vmlinuz-" + release);
    }

    public Path modules() {
        return out.resolve("lib/modules/" + release);
    }

    /** The cache build.sh uses. */
    public static Path cacheRoot() {
        String c = System.getenv("OW_KERNEL_CACHE");
        return c != null && !c.isBlank() ? Path.of(c) : Path.of(System.getProperty("user.home"), ".cache", "otherworld",
                "kernel-src");
    }

    /** Why there is no usable patched kernel, in one line, naming the command that makes one. */
    public static String notBuiltReason(Path root) {
        return "patched kernel not built: run kernel-patches/build.sh --full (" + BUILD_TIME + "; looked in " + root
                + "/*/full/out)";
    }

    /** The newest complete full build under {@code root}, or empty. */
    public static Optional<PatchedKernel> find(Path root) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (var s = Files.list(root)) {
            List<Path> outs = s.map(v -> v.resolve("full/out")).filter(o -> Files.isRegularFile(o.resolve("release")))
                    .sorted(Comparator.comparingLong((Path o) -> o.resolve("release").toFile().lastModified()).reversed())
                    .toList();
            for (Path o : outs) {
                Optional<PatchedKernel> k = at(o);
                if (k.isPresent()) {
                    return k;
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /** The build whose output is {@code out}, if it is complete (image, modules.dep, build directory). */
    static Optional<PatchedKernel> at(Path out) {
        try {
            String release = Files.readString(out.resolve("release")).strip();
            if (!release.matches("[A-Za-z0-9._+-]+")) {
                return Optional.empty();
            }
            Path build = out.resolveSibling("build");
            PatchedKernel k = new PatchedKernel(release, out, build, "");
            if (!Files.isRegularFile(k.image()) || !Files.isRegularFile(k.modules().resolve("modules.dep"))
                    || !Files.isRegularFile(build.resolve("Makefile"))) {
                return Optional.empty();
            }
            String version = out.getParent().getParent().getFileName().toString();
            String id = version + "/" + release + "/" + GuestBuilder.sha256(k.image()).substring(0, 16);
            return Optional.of(new PatchedKernel(release, out, build, id));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The build in the default cache, or an exception naming the command that makes one. */
    public static PatchedKernel require() {
        Path root = cacheRoot();
        return find(root).orElseThrow(() -> new IllegalStateException(notBuiltReason(root)));
    }
}
