package org.otherworld.vmtest.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian package resolution and download with the host's apt. Parsing is kept in static methods so it
 * can be tested on recorded output.
 */
public final class Apt {
    private static final Pattern DEPENDS = Pattern.compile("^\\s*Depends:\\s*(\\S+)\\s*$", Pattern.MULTILINE);
    private static final Pattern CANDIDATE = Pattern.compile("^\\s*Candidate:\\s*(\\S+)\\s*$", Pattern.MULTILINE);
    private static final Pattern KERNEL_IMAGE = Pattern.compile("linux-image-(\\d+\\.\\d+\\.\\d+-\\d+-[a-z0-9-]+)");

    private Apt() {
    }

    /**
     * The concrete kernel image package a metapackage such as {@code linux-image-cloud-amd64} points to,
     * from the output of {@code apt-cache depends METAPACKAGE}.
     */
    public static String kernelPackageFromDepends(String metapackage, String aptCacheDependsOutput) {
        Matcher m = DEPENDS.matcher(aptCacheDependsOutput);
        while (m.find()) {
            String dep = m.group(1);
            if (KERNEL_IMAGE.matcher(dep).matches()) {
                return dep;
            }
        }
        throw new IllegalStateException("metapackage " + metapackage
                + " depends on no linux-image-<version> package (is 'apt-get update' done?)");
    }

    /** The kernel release ("6.1.0-56-cloud-amd64") named by a kernel image package. */
    public static String kernelRelease(String imagePackage) {
        Matcher m = KERNEL_IMAGE.matcher(imagePackage);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a kernel image package name: " + imagePackage);
        }
        return m.group(1);
    }

    /** The candidate version from {@code apt-cache policy PACKAGE} output, if any. */
    public static Optional<String> candidateFromPolicy(String policyOutput) {
        Matcher m = CANDIDATE.matcher(policyOutput);
        if (m.find() && !m.group(1).equals("(none)")) {
            return Optional.of(m.group(1));
        }
        return Optional.empty();
    }

    public static String resolveKernelPackage(String metapackage) {
        String out = Exec.check(List.of("apt-cache", "depends", metapackage), null, 120);
        return kernelPackageFromDepends(metapackage, out);
    }

    public static String candidateVersion(String pkg) {
        String out = Exec.check(List.of("apt-cache", "policy", pkg), null, 120);
        return candidateFromPolicy(out).orElseThrow(() -> new IllegalStateException(
                "package " + pkg + " has no installable candidate (run 'apt-get update')"));
    }

    /** The installed version of a host package, as dpkg knows it. */
    public static String installedVersion(String pkg) {
        Exec.Result r = Exec.run(List.of("dpkg-query", "-W", "-f=${Version}", pkg), null, 60);
        if (r.exit() != 0 || r.stdout().isBlank()) {
            throw new IllegalStateException("host package " + pkg + " is not installed (run ./otherworld setup)");
        }
        return r.stdout().strip();
    }

    /**
     * Downloads PACKAGE (its candidate version) into {@code dir} and unpacks it into {@code dir/root}.
     * Returns the unpacked root. Idempotent: an existing complete unpack is reused.
     */
    public static Path downloadAndExtract(String pkg, Path dir) {
        Path root = dir.resolve("root");
        Path done = dir.resolve(".extracted");
        if (Files.exists(done)) {
            return root;
        }
        try {
            Files.createDirectories(dir);
            Exec.check(List.of("apt-get", "download", "-q", pkg), dir, 900);
            List<Path> debs = new ArrayList<>();
            try (var s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().startsWith(pkg + "_") && p.toString().endsWith(".deb"))
                        .forEach(debs::add);
            }
            if (debs.size() != 1) {
                throw new IllegalStateException("apt-get download " + pkg + " left " + debs.size() + " .deb files in " + dir);
            }
            Exec.check(List.of("dpkg-deb", "-x", debs.get(0).toString(), root.toString()), null, 600);
            Files.delete(debs.get(0));
            Files.writeString(done, pkg + "\n");
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot download " + pkg + " into " + dir, e);
        }
    }
}
