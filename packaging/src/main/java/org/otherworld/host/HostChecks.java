package org.otherworld.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code otherworld arm} checks before it loads the crash kernel, each with the exact fix an
 * administrator applies when it fails (docs/install.md has the same list).
 */
public final class HostChecks {
    /** How bad a finding is: FAIL stops arming, WARN is reported only. */
    public enum Level { OK, WARN, FAIL }

    /** One finding: {@code fix} is empty when there is nothing to do. */
    public record Check(String name, Level level, String detail, String fix) {
        public String line() {
            return String.format(Locale.ROOT, "%-4s %-18s %s", level, name, detail)
                    + (fix.isEmpty() ? "" : "\n       fix: " + fix.replace("\n", "\n            "));
        }
    }

    /** The smallest reservation the crash kernel has been measured to work in (docs/vm-test.md). */
    public static final long MIN_RESERVATION = 256L << 20;
    /** Kernels from 6.0 export the kallsyms tables in VMCOREINFO (agent-introspection.md). */
    public static final int KALLSYMS_IN_VMCOREINFO_MAJOR = 6;

    private static final Pattern IOMEM_CRASH = Pattern.compile("^\\s*([0-9a-fA-F]+)-([0-9a-fA-F]+) : Crash kernel\\s*$",
            Pattern.MULTILINE);

    private HostChecks() {
    }

    /** Bytes reserved for the crash kernel according to /proc/iomem text (0 when none). */
    public static long crashReservation(String iomem) {
        long total = 0;
        Matcher m = IOMEM_CRASH.matcher(iomem);
        while (m.find()) {
            total += Long.parseUnsignedLong(m.group(2), 16) - Long.parseUnsignedLong(m.group(1), 16) + 1;
        }
        return total;
    }

    /** The crashkernel= size to suggest for a machine with {@code memTotalKib} of RAM. */
    public static String suggestedSize(long memTotalKib) {
        // 256M is the size measured to work (agent heap 96 MiB, ~175 MiB free in the crash kernel);
        // larger machines have larger page tables and more processes to walk: leave headroom
        return memTotalKib > (16L << 20) ? "512M" : memTotalKib > (4L << 20) ? "384M" : "256M";
    }

    /** The major version of a kernel release such as {@code 6.1.0-56-cloud-amd64}, or -1. */
    public static int majorVersion(String release) {
        Matcher m = Pattern.compile("^(\\d+)\\.").matcher(release.strip());
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Whether the cpuinfo text lists {@code flag} among the CPU flags. */
    public static boolean cpuFlag(String cpuinfo, String flag) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("flags")) {
                int colon = line.indexOf(':');
                for (String f : line.substring(colon + 1).trim().split("\\s+")) {
                    if (f.equals(flag)) {
                        return true;
                    }
                }
                return false;
            }
        }
        return false;
    }

    /** MemTotal in KiB from /proc/meminfo text, or 0. */
    public static long memTotalKib(String meminfo) {
        Matcher m = Pattern.compile("^MemTotal:\\s+(\\d+) kB", Pattern.MULTILINE).matcher(meminfo);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** The value of CONFIG_NAME in a kernel config text ("y", "m", or empty when unset). */
    public static String kernelConfig(String config, String name) {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "=(\\S+)$", Pattern.MULTILINE).matcher(config);
        return m.find() ? m.group(1) : "";
    }

    /** All checks on {@code host}; {@code armedByUs} says whether our own arm record is present. */
    public static List<Check> run(Host host, boolean armedByUs) {
        List<Check> out = new ArrayList<>();
        String release = host.read("/proc/sys/kernel/osrelease").orElse("").strip();
        long memKib = memTotalKib(host.read("/proc/meminfo").orElse(""));
        long reserved = crashReservation(host.read("/proc/iomem").orElse(""));
        String size = suggestedSize(memKib);
        String grubFix = "add crashkernel=" + size + " to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run "
                + "update-grub, and reboot (check: grep 'Crash kernel' /proc/iomem as root)";
        if (reserved == 0) {
            out.add(new Check("crashkernel", Level.FAIL, "no memory reserved for a crash kernel (no 'Crash kernel' "
                    + "in /proc/iomem; reading it needs root)", grubFix));
        } else if (reserved < MIN_RESERVATION) {
            out.add(new Check("crashkernel", Level.FAIL, mib(reserved) + " reserved, at least " + mib(MIN_RESERVATION)
                    + " needed", grubFix));
        } else {
            out.add(new Check("crashkernel", Level.OK, mib(reserved) + " reserved", ""));
        }
        String config = host.read("/boot/config-" + release).orElse("");
        if (!host.exists("/sys/kernel/kexec_crash_loaded")) {
            out.add(new Check("kexec", Level.FAIL, "this kernel has no crash-kernel support "
                    + "(/sys/kernel/kexec_crash_loaded missing: CONFIG_KEXEC/CONFIG_CRASH_DUMP off)",
                    "boot a kernel built with CONFIG_KEXEC_FILE=y and CONFIG_CRASH_DUMP=y (Debian's are)"));
        } else if (!config.isEmpty() && !"y".equals(kernelConfig(config, "CONFIG_KEXEC_FILE"))) {
            out.add(new Check("kexec", Level.FAIL, "CONFIG_KEXEC_FILE is not set in /boot/config-" + release
                    + " (kexec_file_load is needed)", "boot a kernel built with CONFIG_KEXEC_FILE=y (Debian's are)"));
        } else if (host.firstExisting("/usr/sbin/kexec", "/sbin/kexec").isEmpty()) {
            out.add(new Check("kexec", Level.FAIL, "the kexec command is missing", "apt install kexec-tools"));
        } else {
            out.add(new Check("kexec", Level.OK, "kexec_file_load available" + (config.isEmpty()
                    ? " (no /boot/config-" + release + " to confirm CONFIG_KEXEC_FILE)" : ""), ""));
        }
        String loaded = host.read("/sys/kernel/kexec_crash_loaded").orElse("0").strip();
        if ("1".equals(loaded) && !armedByUs) {
            out.add(new Check("crash-kernel-owner", Level.FAIL, "another crash kernel is loaded (kdump-tools?)",
                    "Otherworld owns the crash kernel: systemctl disable --now kdump-tools "
                            + "(Otherworld keeps a makedumpfile dump when a resurrection fails), or run arm --force"));
        }
        if (!host.exists("/boot/vmlinuz-" + release)) {
            out.add(new Check("kernel-image", Level.FAIL, "no /boot/vmlinuz-" + release,
                    "apt install --reinstall linux-image-" + release));
        }
        if (!host.exists("/boot/initrd.img-" + release)) {
            out.add(new Check("initramfs", Level.FAIL, "no /boot/initrd.img-" + release
                    + " (the crash kernel boots with the host's initramfs)", "update-initramfs -c -k " + release));
        }
        String cpuinfo = host.read("/proc/cpuinfo").orElse("");
        boolean smep = cpuFlag(cpuinfo, "smep");
        boolean smap = cpuFlag(cpuinfo, "smap");
        out.add(new Check("smep-smap", smep && smap ? Level.OK : Level.WARN,
                "SMEP " + (smep ? "on" : "off") + ", SMAP " + (smap ? "on" : "off")
                        + " (they keep a wild kernel from running or reading user pages)",
                smep && smap ? "" : "nothing to do for arming; a CPU or hypervisor with SMEP/SMAP protects "
                        + "application memory better"));
        boolean btf = host.exists("/sys/kernel/btf/vmlinux");
        out.add(btf ? new Check("btf", Level.OK, "/sys/kernel/btf/vmlinux present", "")
                : new Check("btf", Level.FAIL, "no /sys/kernel/btf/vmlinux: the agent reads kernel structures "
                        + "through BTF", "boot a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian 12's are)"));
        int major = majorVersion(release);
        out.add(major >= KALLSYMS_IN_VMCOREINFO_MAJOR
                ? new Check("kallsyms", Level.OK, "kernel " + release + " exports kallsyms in VMCOREINFO", "")
                : new Check("kallsyms", Level.WARN, "kernel " + release + " is older than 6.0: arm saves "
                        + "/proc/kallsyms and the BTF as a profile for the agent", ""));
        return out;
    }

    static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }
}
