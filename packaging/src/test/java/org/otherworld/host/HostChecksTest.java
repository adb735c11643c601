package org.otherworld.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostChecksTest {
    static final String IOMEM = "00000000-00000fff : Reserved\n00100000-bffdffff : System RAM\n"
            + "  01000000-01e02156 : Kernel code\n  ab000000-baffffff : Crash kernel\n";

    @Test
    void reservationFromIomem() {
        assertEquals(256L << 20, HostChecks.crashReservation(IOMEM));
        assertEquals(0, HostChecks.crashReservation("00100000-bffdffff : System RAM\n"));
    }

    @Test
    void smallHelpers() {
        assertEquals(6, HostChecks.majorVersion("6.1.0-56-cloud-amd64"));
        assertEquals(5, HostChecks.majorVersion("5.10.0-30-amd64"));
        assertEquals(-1, HostChecks.majorVersion("garbage"));
        String cpu = "processor\t: 0\nflags\t\t: fpu vme smep erms\nbugs\t\t: smap\n";
        assertTrue(HostChecks.cpuFlag(cpu, "smep"));
        assertFalse(HostChecks.cpuFlag(cpu, "smap"));
        assertEquals(2048000, HostChecks.memTotalKib("MemTotal:        2048000 kB\nMemFree: 1 kB\n"));
        assertEquals("y", HostChecks.kernelConfig("# x\nCONFIG_KEXEC_FILE=y\n", "CONFIG_KEXEC_FILE"));
        assertEquals("", HostChecks.kernelConfig("# CONFIG_KEXEC_FILE is not set\n", "CONFIG_KEXEC_FILE"));
        assertEquals("256M", HostChecks.suggestedSize(1 << 20));
        assertEquals("512M", HostChecks.suggestedSize(64L << 20));
    }

    static Path fakeHost(Path root, String iomem, String release, boolean crashLoaded) throws IOException {
        write(root, "/proc/iomem", iomem);
        write(root, "/proc/sys/kernel/osrelease", release + "\n");
        write(root, "/proc/meminfo", "MemTotal:        1000000 kB\n");
        write(root, "/proc/cpuinfo", "flags\t\t: fpu smep smap\n");
        write(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/vda ro console=ttyS0 crashkernel=256M quiet\n");
        write(root, "/sys/kernel/kexec_crash_loaded", crashLoaded ? "1\n" : "0\n");
        write(root, "/sys/kernel/btf/vmlinux", "btf");
        write(root, "/boot/vmlinuz-" + release, "k");
        write(root, "/boot/initrd.img-" + release, "i");
        write(root, "/boot/config-" + release, "CONFIG_KEXEC_FILE=y\n");
        write(root, "/usr/sbin/kexec", "");
        return root;
    }

    static void write(Path root, String abs, String text) throws IOException {
        Path p = root.resolve(abs.substring(1));
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    static Map<String, HostChecks.Level> levels(List<HostChecks.Check> checks) {
        return checks.stream().collect(Collectors.toMap(HostChecks.Check::name, HostChecks.Check::level));
    }

    @Test
    void healthyHostPasses(@TempDir Path root) throws IOException {
        Map<String, HostChecks.Level> l = levels(HostChecks.run(new Host(fakeHost(root, IOMEM, "6.1.0-56-cloud-amd64",
                false)), false));
        assertFalse(l.containsValue(HostChecks.Level.FAIL), l.toString());
        assertEquals(HostChecks.Level.OK, l.get("kallsyms"));
    }

    @Test
    void missingReservationSaysHowToFixIt(@TempDir Path root) throws IOException {
        List<HostChecks.Check> checks = HostChecks.run(new Host(fakeHost(root, "00100000-bffdffff : System RAM\n",
                "6.1.0-56-cloud-amd64", false)), false);
        HostChecks.Check c = checks.stream().filter(x -> x.name().equals("crashkernel")).findFirst().orElseThrow();
        assertEquals(HostChecks.Level.FAIL, c.level());
        assertTrue(c.fix().contains("GRUB_CMDLINE_LINUX_DEFAULT") && c.fix().contains("update-grub")
                && c.fix().contains("crashkernel=256M"), c.fix());
    }

    @Test
    void foreignCrashKernelOldKernelAndNoBtf(@TempDir Path root) throws IOException {
        fakeHost(root, IOMEM, "5.10.0-30-amd64", true);
        Files.delete(root.resolve("sys/kernel/btf/vmlinux"));
        Files.writeString(root.resolve("proc/cpuinfo"), "flags\t\t: fpu\n");
        Map<String, HostChecks.Level> l = levels(HostChecks.run(new Host(root), false));
        assertEquals(HostChecks.Level.FAIL, l.get("crash-kernel-owner"));
        assertEquals(HostChecks.Level.FAIL, l.get("btf"));
        assertEquals(HostChecks.Level.WARN, l.get("kallsyms"));
        assertEquals(HostChecks.Level.WARN, l.get("smep-smap"));
        assertEquals(null, levels(HostChecks.run(new Host(root), true)).get("crash-kernel-owner"));
    }
}
