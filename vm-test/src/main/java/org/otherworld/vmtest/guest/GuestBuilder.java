package org.otherworld.vmtest.guest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.otherworld.vmtest.Workspace;

/**
 * Assembles a bootable guest from Debian packages and this repository's build output, caching every
 * step under the workspace cache keyed by the identities (versions, content hashes) of its inputs, so
 * a second build with the same inputs does nothing.
 */
public final class GuestBuilder {
    /** The metapackage that names the current Debian cloud kernel. */
    public static final String KERNEL_METAPACKAGE = "linux-image-cloud-amd64";
    /** Modules the guest loads (their dependencies come along). */
    public static final List<String> MODULES = List.of("virtio_pci", "virtio_blk", "virtio_net", "nf_tables",
            "nfnetlink", "af_packet_diag", "unix_diag", "inet_diag", "tcp_diag", "netlink_diag");
    /** Host packages whose programs go into the guest. */
    public static final Map<String, List<String>> HOST_PROGRAMS = Map.of(
            "busybox-static", List.of("/bin/busybox"),
            "kexec-tools", List.of("/sbin/kexec"),
            "criu", List.of("/usr/sbin/criu"));
    /** Java modules of the guest runtime. */
    public static final String JAVA_MODULES = "java.base,java.logging,java.management,java.net.http,jdk.unsupported,jdk.httpserver";

    private final Workspace ws;
    private final Consumer<String> log;
    private final GuestKernel kernelChoice;

    public GuestBuilder(Workspace ws, Consumer<String> log) {
        this(ws, log, GuestKernel.STOCK);
    }

    /** A builder for guests running {@code kernel} (main, crash and hand-over kernel). */
    public GuestBuilder(Workspace ws, Consumer<String> log, GuestKernel kernel) {
        this.ws = ws;
        this.log = log;
        this.kernelChoice = kernel;
    }

    public GuestImage build() {
        long t0 = System.nanoTime();
        String kernelPkg;
        String release;
        String kernelId;
        Path kroot;
        Path kmod;
        if (kernelChoice == GuestKernel.PATCHED) {
            // kernel-patches/build.sh --full's output has the layout of an unpacked kernel package
            PatchedKernel pk = PatchedKernel.require();
            kernelPkg = "kernel-patches";
            release = pk.release();
            kernelId = "patched " + pk.identity();
            kroot = pk.out();
            log.accept("kernel: patched " + release + " (" + pk.identity() + ", from " + pk.out() + ")");
            kmod = kernelModule(release, pk.buildDir(), pk.identity().replaceAll("[^A-Za-z0-9.-]", "_"));
        } else {
            kernelPkg = Apt.resolveKernelPackage(KERNEL_METAPACKAGE);
            String kernelVersion = Apt.candidateVersion(kernelPkg);
            release = Apt.kernelRelease(kernelPkg);
            kernelId = kernelPkg + "=" + kernelVersion;
            log.accept("kernel: " + kernelPkg + " " + kernelVersion + " (from " + KERNEL_METAPACKAGE + ")");
            kroot = kernel(kernelPkg, kernelVersion, release);
            kmod = kernelModule(release, debianHeaders(release), release);
        }
        Path jre = javaRuntime();
        Path cbin = cPrograms();

        Map<String, String> identity = new LinkedHashMap<>();
        identity.put("kernel", kernelId);
        for (String pkg : new TreeSet<>(HOST_PROGRAMS.keySet())) {
            identity.put(pkg, Apt.installedVersion(pkg));
        }
        identity.put("libc6", Apt.installedVersion("libc6"));
        identity.put("jre", jre.getFileName().toString());
        identity.put("cbin", cbin.getFileName().toString());
        identity.put("kmod", kmod.getParent().getFileName().toString());
        identity.put("modules", String.join(",", MODULES));
        identity.put("agent", sha256(ws.agentJar()));
        identity.put("demos", sha256(ws.demosJar()));
        identity.put("crash-kernel", sha256Tree(ws.crashKernelDir()));
        identity.put("guest-resources", sha256Resources());
        String key = sha256(identity.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);

        Path dir = ws.cache().resolve("guest").resolve(key);
        Path done = dir.resolve(".complete");
        GuestImage img = new GuestImage(kernelChoice == GuestKernel.PATCHED ? "patched" : kernelPkg, release, dir.resolve("vmlinuz"), dir.resolve("initrd.img"),
                dir.resolve("data"), key);
        if (Files.exists(done)) {
            log.accept("guest " + key + ": cached");
            return img;
        }
        try {
            deleteTree(dir);
            Files.createDirectories(dir);
            Files.copy(kroot.resolve("boot/vmlinuz-" + release), img.vmlinuz());
            initramfs(kroot, release, kernelId, jre).writeGzip(img.initrd());
            installed(img.dataStaging().resolve("ow"), jre, cbin, kmod);
            // the data disk carries the kernel and initramfs so the guest can arm kdump and hand over
            Path boot = Files.createDirectories(img.dataStaging().resolve("boot"));
            Files.copy(img.vmlinuz(), boot.resolve("vmlinuz"));
            Files.copy(img.initrd(), boot.resolve("initrd.img"));
            Files.createDirectories(img.dataStaging().resolve("otherworld"));
            Files.writeString(dir.resolve("identity.txt"), identity.toString().replace(", ", "\n") + "\n");
            Files.writeString(done, key + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build guest in " + dir, e);
        }
        pruneOldGuests(dir.getParent(), dir);
        log.accept(String.format("guest %s: built in %.1f s (initramfs %d MB)", key, (System.nanoTime() - t0) / 1e9,
                img.initrd().toFile().length() >> 20));
        return img;
    }

    /** Keeps the cache from growing without bound: guests other than the newest few are removed. */
    private static void pruneOldGuests(Path guests, Path keep) {
        try (var s = Files.list(guests)) {
            List<Path> old = s.filter(p -> !p.equals(keep))
                    .sorted(java.util.Comparator.comparing((Path p) -> p.toFile().lastModified()).reversed())
                    .skip(KEEP_GUESTS - 1).toList();
            for (Path p : old) {
                deleteTree(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // a full cache is not a failure of the build
        }
    }

    static final int KEEP_GUESTS = 6;

    /** Downloads and unpacks the kernel package, then runs depmod over its modules. */
    private Path kernel(String pkg, String version, String release) {
        Path dir = ws.cache().resolve("debs").resolve(pkg + "_" + version);
        Path root = Apt.downloadAndExtract(pkg, dir);
        if (!Files.exists(root.resolve("lib/modules/" + release + "/modules.dep"))) {
            Exec.check(List.of("depmod", "-b", root.toString(), release), null, 600);
        }
        return root;
    }

    /** A jlink'd runtime for the guest, cached by the host JDK's identity. */
    private Path javaRuntime() {
        Path javaHome = Path.of(System.getProperty("java.home"));
        Path jlink = javaHome.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IllegalStateException("no jlink in " + javaHome + ": install a full JDK (openjdk-17-jdk-headless)");
        }
        String id = sha256((javaHome + System.getProperty("java.vm.version") + JAVA_MODULES)
                .getBytes(StandardCharsets.UTF_8)).substring(0, 12);
        Path out = ws.cache().resolve("jre").resolve(id);
        if (Files.exists(out.resolve("release"))) {
            return out;
        }
        log.accept("jlink: building guest Java runtime (" + JAVA_MODULES + ")");
        deleteTree(out);
        try {
            Files.createDirectories(out.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Exec.check(List.of(jlink.toString(), "--add-modules", JAVA_MODULES, "--strip-debug", "--no-header-files",
                "--no-man-pages", "--compress=2", "--output", out.toString()), null, 900);
        return out;
    }

    /** The project's C workloads, statically linked, cached by source hash. */
    private Path cPrograms() {
        Path src = ws.cSources();
        String id = sha256Tree(src).substring(0, 12);
        Path out = ws.cache().resolve("cbin").resolve(id);
        if (Files.exists(out.resolve(".complete"))) {
            return out;
        }
        try {
            Files.createDirectories(out);
            try (var s = Files.list(src)) {
                for (Path c : s.filter(p -> p.toString().endsWith(".c")).sorted().toList()) {
                    String name = c.getFileName().toString().replaceAll("\\.c$", "");
                    log.accept("gcc -static " + c.getFileName());
                    Exec.check(List.of("gcc", "-static", "-O2", "-pthread", "-Wall", "-o", out.resolve(name).toString(),
                            c.toString()), null, 300);
                }
            }
            Files.writeString(out.resolve(".complete"), id);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build C workloads into " + out, e);
        }
        return out;
    }

    /** Debian's headers for a stock guest kernel (package linux-headers-RELEASE, installed by setup). */
    private static Path debianHeaders(String release) {
        Path headers = Path.of("/usr/src/linux-headers-" + release);
        if (!Files.isDirectory(headers)) {
            throw new IllegalStateException("kernel headers " + headers + " are missing: run ./otherworld setup"
                    + " (apt-get install linux-headers-" + release + ")");
        }
        return headers;
    }

    /**
     * Our fault-injection module (vm-test/src/main/kmod), built against {@code headers} (Debian's
     * headers for the stock kernel, the build directory of a patched one), cached by the kernel's
     * identity {@code kernelKey} and the source hash.
     */
    private Path kernelModule(String release, Path headers, String kernelKey) {
        Path src = ws.home().resolve("vm-test/src/main/kmod");
        String id = kernelKey + "-" + sha256Tree(src).substring(0, 12);
        Path dir = ws.cache().resolve("kmod").resolve(id);
        Path ko = dir.resolve("ow_fault.ko");
        if (Files.exists(ko)) {
            return ko;
        }
        try {
            deleteTree(dir);
            Files.createDirectories(dir);
            try (var s = Files.list(src)) {
                for (Path f : s.toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
            log.accept("make ow_fault.ko against " + headers);
            Exec.check(List.of("make", "-s", "-C", headers.toString(), "M=" + dir, "modules"), null, 600);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the fault module in " + dir, e);
        }
        return ko;
    }

    /** What is installed on the persistent disk under /data/ow and reached through /opt/ow links. */
    static final List<String> INSTALLED_DIRS = List.of("jre", "lib", "bin", "kmod");

    /**
     * The "installed system" part of the guest: the Java runtime, our jars, the C workloads and the
     * fault module, placed on the persistent data disk rather than in the initramfs. Measured reason:
     * with them inside (31 MB gzip, 59 MB unpacked) the 256 MiB crash kernel ran out of memory
     * (OOM killer) when it kexec-loaded the fresh main kernel for the hand-over; a real system also
     * keeps them on its disk, which the crash kernel mounts anyway.
     */
    private void installed(Path ow, Path jre, Path cbin, Path kmod) throws IOException {
        Files.createDirectories(ow);
        try (var s = Files.walk(jre)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path d = ow.resolve("jre").resolve(jre.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(d);
                } else {
                    Files.copy(p, d, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Path lib = Files.createDirectories(ow.resolve("lib"));
        Files.copy(ws.agentJar(), lib.resolve("otherworld-agent.jar"));
        agentArchive(ow.resolve("jre"), lib);
        Files.copy(ws.demosJar(), lib.resolve("otherworld-demos.jar"));
        extractJnaNative(ws.demosJar(), Files.createDirectories(lib.resolve("jna")));
        Path bin = Files.createDirectories(ow.resolve("bin"));
        try (var s = Files.list(cbin)) {
            for (Path b : s.filter(Files::isExecutable).toList()) {
                Files.copy(b, bin.resolve(b.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        Files.copy(kmod, Files.createDirectories(ow.resolve("kmod")).resolve("ow_fault.ko"));
    }

    /** The agent's class-data sharing archive, next to its jar; the class list it is made from. */
    static final String AGENT_ARCHIVE = "otherworld-agent.jsa";
    static final String AGENT_CLASSLIST = "agent.classlist";

    /**
     * The agent's own class-data sharing archive: the JDK and agent classes of a crash-kernel run
     * ({@code crash-kernel/agent.classlist}), parsed and verified once here, mapped by the agent's JVM
     * in the crash kernel (the launcher's {@code OW_AGENT_CDS=1}). Only the agent uses it: a default
     * archive of the runtime made criu restore of every resurrected application JVM fail (reverted in
     * f55245f). Made with the guest's own runtime (the archive is tied to that JVM) from the jar's
     * installed copy, named by a relative path so that it matches {@code /opt/ow/lib} in the guest
     * (the launcher runs java there). A failure leaves the guest without the archive, not broken.
     */
    private void agentArchive(Path jre, Path lib) {
        Path list = ws.crashKernelDir().resolve(AGENT_CLASSLIST);
        if (!Files.isRegularFile(list)) {
            log.accept("agent CDS archive: no " + list + ", the agent starts without one");
            return;
        }
        Exec.Result r = Exec.run(List.of(jre.resolve("bin/java").toString(), "-Xshare:dump",
                "-XX:SharedClassListFile=" + list, "-XX:SharedArchiveFile=" + AGENT_ARCHIVE, "-cp",
                "otherworld-agent.jar"), lib, 300);
        if (r.exit() != 0 || !Files.isRegularFile(lib.resolve(AGENT_ARCHIVE))) {
            log.accept("agent CDS archive not made (exit " + r.exit() + "): "
                    + r.stderr().strip().lines().reduce((a, b) -> b).orElse(""));
        }
    }

    /** Where JNA keeps its x86-64 Linux native stub inside its jar (and so inside our fat jars). */
    static final String JNA_NATIVE = "com/sun/jna/linux-x86-64/libjnidispatch.so";

    /**
     * JNA's native stub as a plain file on the persistent disk. By default JNA unpacks it into a temp
     * file, maps it and deletes it: a resurrected JVM would then map a deleted file, which cannot be
     * restored. Applications point {@code jna.boot.library.path} here instead (docs/sdk.md).
     */
    static void extractJnaNative(Path jar, Path dir) throws IOException {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(jar.toFile())) {
            java.util.zip.ZipEntry e = z.getEntry(JNA_NATIVE);
            if (e == null) {
                throw new IllegalStateException(jar + " has no " + JNA_NATIVE);
            }
            try (InputStream in = z.getInputStream(e)) {
                Files.copy(in, dir.resolve("libjnidispatch.so"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private Initramfs initramfs(Path kroot, String release, String kernelId, Path jre) throws IOException {
        Initramfs fs = new Initramfs();
        for (String d : List.of("/proc", "/sys", "/dev", "/tmp", "/run", "/data", "/mnt", "/root", "/etc", "/var/lib")) {
            fs.dir(d);
        }
        fs.charDevice("/dev/console", 5, 1, 0600);
        fs.charDevice("/dev/null", 1, 3, 0666);
        fs.charDevice("/dev/ttyS0", 4, 64, 0600);
        // busybox and its applets
        fs.file("/bin/busybox", Path.of("/bin/busybox"));
        String applets = Exec.check(List.of("/bin/busybox", "--list-full"), null, 30);
        for (String a : applets.split("\n")) {
            a = a.strip();
            if (!a.isEmpty() && !a.equals("bin/busybox") && !a.startsWith("linuxrc")) {
                fs.symlink("/" + a, "/bin/busybox");
            }
        }
        // dynamically linked host programs and their libraries
        Set<String> libs = new TreeSet<>();
        List<Path> programs = new ArrayList<>();
        for (List<String> ps : HOST_PROGRAMS.values()) {
            for (String p : ps) {
                programs.add(Path.of(p));
            }
        }
        for (Path p : programs) {
            fs.file(p.toString(), p);
            libs.addAll(SharedLibraries.of(p));
        }
        // libraries of the Java runtime (which itself is on the data disk, see installed())
        libs.addAll(SharedLibraries.of(jre.resolve("bin/java")));
        libs.addAll(SharedLibraries.of(jre.resolve("lib/server/libjvm.so")));
        for (String lib : libs) {
            if (!Path.of(lib).normalize().startsWith(jre)) { // the runtime's own libraries are already in
                fs.file(lib, Path.of(lib));
            }
        }
        for (String d : INSTALLED_DIRS) {
            fs.symlink("/opt/ow/" + d, "/data/ow/" + d);
        }
        try (var s = Files.list(ws.crashKernelDir())) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String n = f.getFileName().toString();
                if (n.equals(AGENT_CLASSLIST) || n.equals("agent-classlist")) {
                    continue; // build inputs of the agent's archive (on the data disk), not needed in the guest
                }
                fs.file("/opt/ow/crash-kernel/" + n, f);
            }
        }
        for (String r : GUEST_RESOURCES) {
            fs.bytes("/opt/ow/guest/" + r, resource(r), 0755);
        }
        fs.symlink("/init", "/opt/ow/guest/init");
        fs.symlink("/usr/bin/otherworld", "/opt/ow/crash-kernel/otherworld");
        fs.symlink("/usr/bin/java", "/opt/ow/jre/bin/java");
        fs.tree("/lib/modules/" + release, modules(kroot, release, kernelId));
        return fs;
    }

    /**
     * The modules the guest loads and their dependencies, with a fresh depmod, cached per kernel (a
     * rebuilt patched kernel keeps its release string, so its identity is part of the key).
     */
    private Path modules(Path kroot, String release, String kernelId) throws IOException {
        String id = release + "-" + sha256(String.join(",", MODULES).getBytes(StandardCharsets.UTF_8)).substring(0, 8);
        if (kernelChoice == GuestKernel.PATCHED) {
            id += "-" + sha256(kernelId.getBytes(StandardCharsets.UTF_8)).substring(0, 8);
        }
        Path staging = ws.cache().resolve("modules").resolve(id);
        Path smods = staging.resolve("lib/modules").resolve(release);
        if (Files.exists(staging.resolve(".complete"))) {
            return smods;
        }
        deleteTree(staging);
        Path mods = kroot.resolve("lib/modules").resolve(release);
        KernelModules km = KernelModules.parse(Files.readString(mods.resolve("modules.dep")));
        for (String rel : km.closure(MODULES.stream().filter(km::has).toList())) {
            Path dst = smods.resolve(rel);
            Files.createDirectories(dst.getParent());
            Files.copy(mods.resolve(rel), dst, StandardCopyOption.REPLACE_EXISTING);
        }
        for (String f : List.of("modules.order", "modules.builtin", "modules.builtin.modinfo")) {
            if (Files.exists(mods.resolve(f))) {
                Files.copy(mods.resolve(f), smods.resolve(f));
            }
        }
        Exec.check(List.of("depmod", "-b", staging.toString(), release), null, 300);
        Files.writeString(staging.resolve(".complete"), id);
        return smods;
    }

    /** Scripts of the test guest itself (not the product's crash kernel, which lives in crash-kernel/). */
    static final List<String> GUEST_RESOURCES = List.of("init", "main-init.sh", "groundtruth.sh", "counter-check.sh",
            "recent-files.sh");

    static byte[] resource(String name) {
        try (InputStream in = GuestBuilder.class.getResourceAsStream("/guest/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource /guest/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256Resources() {
        StringBuilder sb = new StringBuilder();
        for (String r : GUEST_RESOURCES) {
            sb.append(sha256(resource(r)));
        }
        return sha256(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256Tree(Path dir) {
        StringBuilder sb = new StringBuilder();
        try (var s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                sb.append(dir.relativize(p)).append('=').append(sha256(p)).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir, e);
        }
        return sha256(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void deleteTree(Path dir) {
        Files2.deleteTree(dir);
    }
}
