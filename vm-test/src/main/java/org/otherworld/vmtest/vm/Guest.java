package org.otherworld.vmtest.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.otherworld.vmtest.guest.GuestImage;

/**
 * A guest machine of one run: its disks in the run directory, its QEMU process and console, and the
 * markers its init scripts print ("OW-MAIN booted", "OW-CRASH kernel-up", ...).
 */
public final class Guest implements AutoCloseable {
    /** Memory reserved for the crash kernel. */
    public static final String CRASHKERNEL = "256M";
    public static final Duration BOOT_TIMEOUT = Duration.ofSeconds(180);

    private final GuestImage image;
    private final Path runDir;
    private final Path dataDisk;
    private final List<Path> disks;
    private final int memoryMiB;
    private final Consumer<String> log;
    private final Timeline timeline;
    private QemuVm vm;

    /** Options of a run's machine; {@code qemuArgs} are appended to QEMU's command line (may be empty). */
    public record Options(int memoryMiB, int cpus, String crashMode, Map<String, Path> dataFiles, int extraDiskMiB,
                          String extraCmdline, List<String> qemuArgs) {
        public Options {
            qemuArgs = qemuArgs == null ? List.of() : List.copyOf(qemuArgs);
        }

        /** Without extra QEMU arguments. */
        public Options(int memoryMiB, int cpus, String crashMode, Map<String, Path> dataFiles, int extraDiskMiB,
                       String extraCmdline) {
            this(memoryMiB, cpus, crashMode, dataFiles, extraDiskMiB, extraCmdline, List.of());
        }
    }

    private final Options options;

    public Guest(GuestImage image, Path runDir, Options options, Timeline timeline, Consumer<String> log) {
        this.image = image;
        this.runDir = runDir;
        this.options = options;
        this.memoryMiB = options.memoryMiB();
        this.timeline = timeline;
        this.log = log;
        this.dataDisk = runDir.resolve("data.img");
        this.disks = new ArrayList<>();
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log.accept("data disk: " + dataDisk);
        DataDisk.create(dataDisk, dataDiskMiB(), image.dataStaging(), options.dataFiles());
        disks.add(dataDisk);
        if (options.extraDiskMiB() > 0) {
            Path extra = runDir.resolve("disk2.img");
            sparse(extra, (long) options.extraDiskMiB() << 20);
            disks.add(extra);
        }
    }

    /** System property: the data disk's size in MiB (default 1024); the bench raises it for images of 1 GiB processes. */
    public static final String DATA_DISK_MIB = "otherworld.guest.dataDiskMiB";

    static int dataDiskMiB() {
        return Integer.getInteger(DATA_DISK_MIB, 1024);
    }

    /** Creates (or truncates to zero then extends) a sparse file. */
    public static void sparse(Path file, long size) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(0);
            f.setLength(size);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
    }

    public Path dataDisk() {
        return dataDisk;
    }

    public List<Path> disks() {
        return List.copyOf(disks);
    }

    public String cmdline() {
        String c = "console=ttyS0 loglevel=4 crashkernel=" + CRASHKERNEL + " ow.crashmode=" + options.crashMode();
        return options.extraCmdline() == null || options.extraCmdline().isBlank() ? c : c + " " + options.extraCmdline();
    }

    public VmSpec spec() {
        return new VmSpec(image.vmlinuz(), image.initrd(), cmdline(), disks, memoryMiB, options.cpus(), options.qemuArgs());
    }

    /** Boots and waits until the guest's console shell is ready and kdump is armed. */
    public void boot(Accelerator accel) {
        timeline.mark("boot-start");
        vm = QemuVm.start(spec(), accel, runDir.resolve("console.log"), log);
        try {
            vm.console().waitFor("OW-MAIN kernel-up", BOOT_TIMEOUT);
        } catch (SerialConsole.TimeoutException e) {
            // seen once in CI: QEMU gone within seconds, not a byte on the console; start it once more
            // (a guest that prints anything and then fails is not retried)
            if (!vm.console().closed() || !vm.console().all().isEmpty()) {
                throw e;
            }
            vm.close();
            log.accept("qemu exited at once without output (exit status " + vm.exitCode() + "); starting it again");
            vm = QemuVm.start(spec(), accel, runDir.resolve("console.log"), log);
            vm.console().waitFor("OW-MAIN kernel-up", BOOT_TIMEOUT);
        }
        awaitBooted();
    }

    /**
     * QEMU argument for {@link Options#qemuArgs()}: a guest reset (sysrq-b) restarts the machine inside the
     * same QEMU process, as a hardware reset restarts a real machine, instead of ending QEMU (the default
     * -no-reboot, which this overrides). Under TCG the difference is measurable: QEMU's translated code
     * survives a reset or a kexec, and the next kernel's first writes to the pages it was translated from
     * are slow until those translations are dropped (docs/results/performance.md).
     */
    public static final List<String> RESET_IN_PLACE = List.of("-action", "reboot=reset");

    /**
     * After a reset the guest was sent (with {@link #RESET_IN_PLACE}): waits on the same console until
     * the main kernel's init runs again, kdump is armed and the console shell is ready.
     */
    public void awaitReset() {
        timeline.mark("reset");
        vm.console().waitFor("OW-MAIN kernel-up", BOOT_TIMEOUT);
        awaitBooted();
    }

    private void awaitBooted() {
        timeline.mark("main-init");
        Matcher armed = vm.console().waitFor("kdump armed", Pattern.compile("OW-MAIN (armed loaded=(\\d)|arm-failed)"), BOOT_TIMEOUT);
        if (!"1".equals(armed.group(2))) {
            throw new IllegalStateException("the guest could not arm the crash kernel: " + armed.group());
        }
        vm.console().waitFor("OW-MAIN booted", BOOT_TIMEOUT);
        timeline.mark("booted");
        // make sure the shell reads our commands
        vm.console().check("true", Duration.ofSeconds(60));
    }

    public SerialConsole console() {
        return vm.console();
    }

    public QemuVm vm() {
        return vm;
    }

    /** Cleanly stops a running main kernel (so the data disk can be read on the host) and waits. */
    public void shutdown(Duration timeout) {
        if (vm == null || !vm.alive()) {
            return;
        }
        try {
            vm.console().send("sync; umount /data; poweroff -f");
        } catch (RuntimeException ignored) {
            // already gone
        }
        if (!vm.waitExit(timeout)) {
            log.accept("guest did not power off in " + timeout.toSeconds() + " s: killing it");
        }
        vm.close();
    }

    @Override
    public void close() {
        if (vm != null) {
            vm.close();
        }
    }
}
