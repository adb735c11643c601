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

    /**
     * The CPU model under TCG: {@code max} without the "enhanced REP MOVSB/STOSB" features. With them the
     * guest kernel copies to and from user memory and clears pages with byte-wise {@code rep movsb} and
     * {@code rep stosb}, which QEMU 7.2's TCG executes one byte at a time. After a kexec or a reset in the
     * same QEMU process, RAM is full of pages that once held code QEMU translated; every store into such
     * a page takes the emulator's slow path (it checks the store against the page's translated blocks)
     * until the last block on the page is invalidated. The new kernel hands exactly those pages to the
     * processes it restores or starts, so byte-wise copies pay the slow path 4096 times a page:
     * measured in the default trial, criu's one {@code preadv} of a JVM's 27 MB of pages took 12.9 s, and
     * 2.3 s with 8-byte {@code rep movsq} (each JVM set 11-15 s to restore, then 3.7-3.8 s). A fresh QEMU
     * process has no such pages, which is why a cold boot there was 3.7 s against 6.5-14.3 s after a
     * reset in place. Applies to every TCG guest alike: the trials and every baseline of the bench.
     */
    static final String TCG_CPU = "max,erms=off,fsrm=off";

    public List<String> qemuArgs() {
        return List.of("-accel", qemuName, "-cpu", this == TCG ? TCG_CPU : "max");
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
