package org.otherworld.vmtest.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * KVM when a short probe shows that a guest really boots with it, otherwise TCG. Nested KVM on some
 * hosts exposes /dev/kvm but hangs early in boot, so /dev/kvm alone proves nothing. The probe's answer
 * is cached for a day.
 */
public enum Accelerator {
    KVM("kvm"), TCG("tcg");

    private final String qemuName;

    Accelerator(String qemuName) {
        this.qemuName = qemuName;
    }

    public List<String> qemuArgs() {
        return List.of("-accel", qemuName, "-cpu", "max");
    }

    public String label() {
        return qemuName;
    }

    /** How long a KVM boot may take to reach the guest's init before KVM is declared unusable. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(25);

    /**
     * Chooses the accelerator: {@code requested} is "kvm", "tcg" or "auto" (probe).
     */
    public static Accelerator choose(String requested, VmSpec probeSpec, Path cacheDir, Path workDir,
                                     Consumer<String> log) {
        if ("tcg".equals(requested)) {
            return TCG;
        }
        if ("kvm".equals(requested)) {
            return KVM;
        }
        if (!Files.isReadable(Path.of("/dev/kvm")) || !Files.isWritable(Path.of("/dev/kvm"))) {
            log.accept("accel: /dev/kvm not usable -> tcg");
            return TCG;
        }
        Path cached = cacheDir.resolve("kvm-probe");
        try {
            if (Files.exists(cached) && Files.getLastModifiedTime(cached).toInstant()
                    .isAfter(Instant.now().minus(Duration.ofDays(1)))) {
                Accelerator a = valueOf(Files.readString(cached).strip());
                log.accept("accel: " + a.label() + " (probe result cached in " + cached + ")");
                return a;
            }
        } catch (IOException | IllegalArgumentException ignored) {
            // probe again
        }
        Accelerator a = probe(probeSpec, workDir, log) ? KVM : TCG;
        try {
            Files.createDirectories(cacheDir);
            Files.writeString(cached, a.name());
        } catch (IOException ignored) {
            // not cached; harmless
        }
        return a;
    }

    private static boolean probe(VmSpec spec, Path workDir, Consumer<String> log) {
        log.accept("accel: probing KVM (up to " + PROBE_TIMEOUT.toSeconds() + " s)");
        try (QemuVm vm = QemuVm.start(spec, KVM, workDir.resolve("kvm-probe-console.log"), s -> { })) {
            vm.console().waitFor("OW-MAIN kernel-up", PROBE_TIMEOUT);
            log.accept("accel: kvm boots -> kvm");
            return true;
        } catch (RuntimeException e) {
            log.accept("accel: kvm did not boot in time -> tcg");
            return false;
        }
    }
}
