package org.otherworld.vmtest.install;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.otherworld.vmtest.guest.Exec;
import org.otherworld.vmtest.guest.Files2;

/**
 * The install test's disk: the cached Debian rootfs (hard-linked, never written) plus the package to
 * install, the demo jar, the test driver and the demo's unit, made into an ext4 image with
 * {@code mke2fs -d} (no loop mount). Boots with the rootfs's own kernel and initramfs and
 * {@code crashkernel=256M}.
 */
public final class InstallGuest {
    /** Kernel command line: the guest's root on the virtio disk, serial console, a crash reservation. */
    public static final String CMDLINE = "root=/dev/vda ro console=ttyS0 crashkernel=256M";
    static final String DISK_SIZE = "3G";

    private InstallGuest() {
    }

    /** Builds {@code work/disk.img} from {@code rootfs} with {@code deb} and {@code demosJar} added. */
    public static Path buildDisk(DebianRootfs rootfs, Path deb, Path demosJar, Path counterCheck, Path work)
            throws IOException {
        Path stage = work.resolve("stage");
        Files2.deleteTree(stage);
        Exec.check(List.of("cp", "-al", rootfs.dir().toString(), stage.toString()), work, 300);
        Files.deleteIfExists(stage.resolve("identity.txt"));
        Files.copy(deb, stage.resolve("root").resolve(deb.getFileName()));
        Path demo = Files.createDirectories(stage.resolve("opt/ow-demo"));
        Files.copy(demosJar, demo.resolve("otherworld-demos.jar"));
        Path lib = Files.createDirectories(stage.resolve("usr/local/lib/ow-it"));
        Files.writeString(lib.resolve("ow-it-driver.sh"), DebianRootfs.resource("/install/ow-it-driver.sh"));
        Files.copy(counterCheck, lib.resolve("counter-check.sh"), StandardCopyOption.REPLACE_EXISTING);
        for (Path f : List.of(lib.resolve("ow-it-driver.sh"), lib.resolve("counter-check.sh"))) {
            f.toFile().setExecutable(true, false);
        }
        Path units = stage.resolve("etc/systemd/system");
        for (String u : List.of("ow-it.service", "ow-counter.service")) {
            Files.writeString(units.resolve(u), DebianRootfs.resource("/install/" + u));
        }
        Path wants = Files.createDirectories(units.resolve("multi-user.target.wants"));
        Files.deleteIfExists(wants.resolve("ow-it.service"));
        Files.createSymbolicLink(wants.resolve("ow-it.service"), Path.of("/etc/systemd/system/ow-it.service"));
        Path disk = work.resolve("disk.img");
        Files.deleteIfExists(disk);
        List<String> mke2fs = List.of("mke2fs", "-q", "-t", "ext4", "-d", stage.toString(), disk.toString(), DISK_SIZE);
        Exec.Result r = Exec.run(mke2fs, work, 600);
        if (r.exit() != 0) {
            // seen once in ~6 runs with e2fsprogs 1.47.0: "Directory block checksum does not match
            // directory block while populating file system"; a second run on the same tree succeeded
            Files.deleteIfExists(disk);
            Exec.check(mke2fs, work, 600);
        }
        Files2.deleteTree(stage);
        return disk;
    }
}
