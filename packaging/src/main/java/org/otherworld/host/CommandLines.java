package org.otherworld.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The kernel command lines {@code arm} derives from the running kernel's: the crash kernel's (boots
 * the host's own initramfs, then our crash-init from the root filesystem) and the fresh main kernel's
 * after the hand-over (the original command line plus the original memory map).
 */
public final class CommandLines {
    /** PID 1 of the crash kernel, from the root filesystem (the package installs it). */
    public static final String CRASH_INIT = "/usr/lib/otherworld/crash-init";
    /**
     * What the crash kernel adds: our init, kdump's usual settings (polled interrupts, devices reset) with
     * {@code cpus} CPUs (configuration key crash-cpus; kdump's usual 1 leaves the agent's JVM no CPU for
     * its JIT compilers), reboot at once if it panics too, no fsck of the dead system's root before the
     * agent ran.
     */
    public static String crashExtra(int cpus) {
        return "init=" + CRASH_INIT + " irqpoll nr_cpus=" + cpus
                + " reset_devices panic=-1 fsck.mode=skip udev.children-max=2 ow.crash=1";
    }
    /** Marks the boot after a hand-over (otherworld-restore.service runs then). */
    public static final String RESURRECTED = "ow.boot=resurrected";
    /** Bound on /sys/firmware/memmap entries (real firmware maps have tens). */
    static final int MAX_MEMMAP_ENTRIES = 1024;

    private CommandLines() {
    }

    static List<String> words(String cmdline) {
        List<String> w = new ArrayList<>();
        for (String s : cmdline.strip().split("\\s+")) {
            if (!s.isEmpty()) {
                w.add(s);
            }
        }
        return w;
    }

    /** The main kernel's line for the hand-over: the running one without boot-loader and our own words. */
    public static String mainCommandLine(String running) {
        List<String> keep = new ArrayList<>();
        for (String w : words(running)) {
            if (!(w.startsWith("memmap=") || w.startsWith("ow.") || w.startsWith("BOOT_IMAGE=")
                    || w.startsWith("initrd="))) {
                keep.add(w);
            }
        }
        keep.add(RESURRECTED);
        return String.join(" ", keep);
    }

    /**
     * The crash kernel's line: the running one's root and console settings, without what must not repeat,
     * plus {@link #crashExtra(int)}.
     */
    public static String crashCommandLine(String running, int cpus) {
        List<String> keep = new ArrayList<>();
        for (String w : words(running)) {
            String name = w.contains("=") ? w.substring(0, w.indexOf('=')) : w;
            switch (name) {
                case "memmap", "BOOT_IMAGE", "initrd", "crashkernel", "init", "quiet", "splash", "nr_cpus", "maxcpus",
                        "mem", "hugepages", "hugepagesz", "default_hugepagesz", "panic", "fsck.mode", "ow.boot" -> {
                }
                default -> {
                    if (!name.startsWith("ow.") && !name.startsWith("systemd.")) {
                        keep.add(w);
                    }
                }
            }
        }
        keep.add(crashExtra(cpus));
        return String.join(" ", keep);
    }

    /**
     * The machine's memory map as {@code memmap=exactmap} arguments: carried on unchanged when this
     * kernel was itself booted with them (after a hand-over its firmware map is the crash kernel's small
     * one), else from /sys/firmware/memmap ({@code @} RAM, {@code #} ACPI data, {@code $} reserved;
     * Documentation/admin-guide/kernel-parameters.txt, "memmap=").
     */
    public static String memoryMap(String running, Path firmwareMemmap) throws IOException {
        List<String> carried = new ArrayList<>();
        for (String w : words(running)) {
            if (w.startsWith("memmap=")) {
                carried.add(w);
            }
        }
        if (!carried.isEmpty() && carried.get(0).equals("memmap=exactmap")) {
            return String.join(" ", carried);
        }
        if (!Files.isDirectory(firmwareMemmap)) {
            throw new IOException("no " + firmwareMemmap + " (CONFIG_FIRMWARE_MEMMAP off?): cannot record the memory "
                    + "map for the hand-over");
        }
        List<long[]> entries = new ArrayList<>();
        List<String> types = new ArrayList<>();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(firmwareMemmap)) {
            dirs = s.filter(Files::isDirectory).limit(MAX_MEMMAP_ENTRIES + 1L).toList();
        }
        if (dirs.size() > MAX_MEMMAP_ENTRIES) {
            throw new IOException(firmwareMemmap + " has more than " + MAX_MEMMAP_ENTRIES + " entries");
        }
        for (Path d : dirs) {
            long start = Long.decode(Files.readString(d.resolve("start")).strip());
            long end = Long.decode(Files.readString(d.resolve("end")).strip());
            if (end < start) {
                throw new IOException(d + ": end before start");
            }
            entries.add(new long[] {start, end});
            types.add(Files.readString(d.resolve("type")).strip());
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingLong(i -> entries.get(i)[0]));
        StringBuilder sb = new StringBuilder("memmap=exactmap");
        for (int i : order) {
            long start = entries.get(i)[0];
            long size = entries.get(i)[1] - start + 1;
            String sep = switch (types.get(i)) {
                case "System RAM" -> "@";
                case "ACPI Tables" -> "#";
                default -> "$";
            };
            sb.append(String.format(" memmap=0x%x%s0x%x", size, sep, start));
        }
        return sb.toString();
    }
}
