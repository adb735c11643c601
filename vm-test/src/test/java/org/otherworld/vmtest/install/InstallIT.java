package org.otherworld.vmtest.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.it.VmAvailability;
import org.otherworld.vmtest.vm.Accelerator;
import org.otherworld.vmtest.vm.DataDisk;
import org.otherworld.vmtest.vm.QemuVm;
import org.otherworld.vmtest.vm.SerialConsole;
import org.otherworld.vmtest.vm.VmSpec;

/**
 * The Debian package on a debootstrapped Debian 12 guest with systemd (issue 9): boot 1 installs
 * {@code otherworld_*.deb} with apt (offline: its dependencies are in the rootfs) and powers off;
 * boot 2 is armed by otherworld-arm.service, runs the JVM counter as a systemd service and panics
 * (sysrq-c); the crash kernel (the host's own kernel and initramfs, then crash-init from the root
 * filesystem) runs the agent and hands over; otherworld-restore.service restores the counter, which
 * must have the same pid and pass its state check. The guest's driver prints "OW-IT" lines.
 */
class InstallIT {
    static final Pattern UPTIME = Pattern.compile("uptime=([0-9.]+)");

    @Test
    void installArmCrashAndResurrectAService(@TempDir Path tmp) throws Exception {
        Workspace ws = VmAvailability.workspace();
        Path deb = findDeb(ws.home().resolve("packaging/target"));
        Assumptions.assumeTrue(deb != null, "InstallIT needs packaging/target/otherworld_*.deb (run mvn package)");
        Path cachedRootfs = DebianRootfs.cachedDir(ws.cache());
        if (!Files.isDirectory(cachedRootfs) && !Files.isExecutable(Path.of("/usr/sbin/debootstrap"))) {
            System.err.println("SKIPPED InstallIT: no cached Debian rootfs and no /usr/sbin/debootstrap");
            Assumptions.abort("InstallIT needs debootstrap (apt install debootstrap) or a cached rootfs");
        }
        Map<String, Long> ms = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        DebianRootfs rootfs = DebianRootfs.obtain(ws.cache(), System.out::println);
        Path disk = InstallGuest.buildDisk(rootfs, deb, ws.demosJar(),
                ws.home().resolve("vm-test/src/main/resources/guest/counter-check.sh"), tmp);
        ms.put("prepare", (System.nanoTime() - t0) / 1_000_000);
        VmSpec spec = new VmSpec(rootfs.kernel(), rootfs.initrd(), InstallGuest.CMDLINE, List.of(disk), 1024, 2);
        Accelerator accel = "kvm".equals(System.getenv("OTHERWORLD_ACCEL")) ? Accelerator.KVM : Accelerator.TCG;

        // boot 1: install the package, power off
        long t1 = System.nanoTime();
        try (QemuVm vm = QemuVm.start(spec, accel, tmp.resolve("console-1.log"), s -> { })) {
            SerialConsole c = vm.console();
            ms.put("boot1_guest_uptime_at_driver_ms", uptimeMs(c.waitFor("driver", Pattern.compile(
                    "OW-IT boot phase=install .*"), Duration.ofSeconds(300))));
            Matcher inst = c.waitFor("install", Pattern.compile("OW-IT installed rc=(\\d+) version=(\\S*) .*"),
                    Duration.ofSeconds(300));
            assertEquals("0", inst.group(1), "apt install ./otherworld_*.deb failed:\n" + lines(c.all(), "apt: "));
            Matcher units = c.waitFor("units", Pattern.compile("OW-IT units arm=(\\S*) restore=(\\S*) .*"),
                    Duration.ofSeconds(120));
            assertEquals("enabled", units.group(1), lines(c.all(), "check: "));
            assertEquals("enabled", units.group(2));
            c.waitFor("OW-IT phase-done", Duration.ofSeconds(120));
            assertTrue(vm.waitExit(Duration.ofSeconds(120)), "guest did not power off after the install");
        }
        ms.put("boot1_install_poweroff", (System.nanoTime() - t1) / 1_000_000);

        // boot 2: armed at boot, demo service, crash; crash kernel; hand-over; boot 3: check
        long t2 = System.nanoTime();
        try (QemuVm vm = QemuVm.start(spec, accel, tmp.resolve("console-2.log"), s -> { })) {
            SerialConsole c = vm.console();
            Matcher armed = c.waitFor("armed", Pattern.compile("OW-IT armed loaded=(\\d) unit=(\\S+) uptime=([0-9.]+)"),
                    Duration.ofSeconds(300));
            ms.put("boot2_guest_uptime_at_armed_ms", (long) (Double.parseDouble(armed.group(3)) * 1000));
            assertEquals("1", armed.group(1), "not armed at boot:\n" + lines(c.all(), "arm-journal: ")
                    + lines(c.all(), "status: "));
            Matcher crash = c.waitFor("crash", Pattern.compile("OW-IT crash pid=(\\d+) count=(\\d+) .*"),
                    Duration.ofSeconds(180));
            long tc = System.nanoTime();
            ms.put("boot2_to_crash", (tc - t2) / 1_000_000);
            String pid = crash.group(1);
            c.waitFor("OW-CRASH kernel-up", Duration.ofSeconds(180));
            ms.put("panic_to_crash_init", (System.nanoTime() - tc) / 1_000_000);
            Matcher agent = c.waitFor("agent", Pattern.compile("OW-CRASH agent-exit code=(\\d+) .*"),
                    Duration.ofSeconds(600));
            ms.put("panic_to_agent_exit", (System.nanoTime() - tc) / 1_000_000);
            assertEquals("0", agent.group(1), "agent failed:\n" + lines(c.all(), "agent: "));
            c.waitFor("OW-CRASH handover-kexec", Duration.ofSeconds(120));
            Matcher res = c.waitFor("resurrected boot", Pattern.compile(
                    "OW-IT resurrected-boot handover=(\\d+) counter_unit=(\\S+) pid=(\\d+) alive=(\\S+) .*"),
                    Duration.ofSeconds(400));
            ms.put("panic_to_resurrected_check", (System.nanoTime() - tc) / 1_000_000);
            Matcher result = c.waitFor("result", Pattern.compile("OW-IT result same_pid=(\\S+) state_check=(\\S+) .*"),
                    Duration.ofSeconds(120));
            String all = c.all();
            System.out.println(lines(all, "restore-journal: ") + lines(all, "status: ") + lines(all, "state-check: "));
            assertEquals("1", res.group(1), "the boot after the crash was not a hand-over");
            assertEquals(pid, res.group(3));
            assertEquals("yes", res.group(4), "the counter's pid " + pid + " is not alive after the resurrection:\n"
                    + lines(all, "restore-journal: "));
            assertEquals("yes", result.group(1), "pid " + pid + " runs something else: " + lines(all, "cmdline: "));
            assertEquals("pass", result.group(2), lines(all, "state-check: "));
            vm.waitExit(Duration.ofSeconds(120));
        }
        ms.put("total", (System.nanoTime() - t0) / 1_000_000);
        Path report = tmp.resolve("agent-report.json");
        if (DataDisk.read(disk, "/var/lib/otherworld/resurrection/report.json", report)) {
            System.out.println("InstallIT: agent report " + Files.size(report) + " bytes");
        }
        System.out.println("InstallIT timings (ms): " + ms);
    }

    static Path findDeb(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("otherworld_.*_amd64\\.deb")).findFirst().orElse(null);
        }
    }

    static long uptimeMs(Matcher m) {
        Matcher u = UPTIME.matcher(m.group());
        return u.find() ? (long) (Double.parseDouble(u.group(1)) * 1000) : -1;
    }

    static String lines(String console, String prefix) {
        StringBuilder sb = new StringBuilder();
        for (String l : console.split("\n")) {
            if (l.startsWith(prefix)) {
                sb.append(l).append('\n');
            }
        }
        return sb.toString();
    }
}
