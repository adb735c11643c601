package org.otherworld.vmtest.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** One QEMU guest with its serial console on standard input/output; closing kills it. */
public final class QemuVm implements AutoCloseable {
    private final Process process;
    private final SerialConsole console;
    private final Accelerator accel;

    private QemuVm(Process process, SerialConsole console, Accelerator accel) {
        this.process = process;
        this.console = console;
        this.accel = accel;
    }

    static List<String> commandLine(VmSpec spec, Accelerator accel) {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-nodefaults", "-no-user-config",
                "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot", "-nic", "none",
                "-m", spec.memoryMiB() + "M", "-smp", Integer.toString(spec.cpus())));
        cmd.addAll(accel.qemuArgs());
        cmd.addAll(List.of("-kernel", spec.kernel().toString(), "-initrd", spec.initrd().toString(),
                "-append", spec.cmdline()));
        for (int i = 0; i < spec.disks().size(); i++) {
            // disks after the data disk receive raw vmcore copies: zero blocks stay holes in the host file
            cmd.addAll(List.of("-drive", "file=" + spec.disks().get(i) + ",format=raw,if=virtio,cache=unsafe"
                    + (i > 0 ? ",discard=unmap,detect-zeroes=unmap" : "")));
        }
        cmd.addAll(spec.extraArgs());
        return cmd;
    }

    /**
     * Extra QEMU arguments (for {@link VmSpec#extraArgs()}) that give the guest a virtio NIC on QEMU's
     * user-mode network (slirp: the guest is 10.0.2.15, the host 10.0.2.2) with host TCP port
     * {@code hostPort} on 127.0.0.1 forwarded to guest port {@code guestPort}. They follow the default
     * {@code -nic none}, which only disables the default NIC. The guest's main-init brings eth0 up.
     */
    public static List<String> userNetwork(int hostPort, int guestPort) {
        return userNetwork(hostPort, guestPort, null);
    }

    /**
     * As {@link #userNetwork(int, int)}; with {@code pcap} non-null every frame the guest's NIC sends or
     * receives, across the panic and both kexecs (QEMU keeps running), is written there in pcap format:
     * the evidence when a connection does not survive.
     */
    public static List<String> userNetwork(int hostPort, int guestPort, Path pcap) {
        List<String> args = new ArrayList<>(List.of(
                "-netdev", "user,id=ownet,hostfwd=tcp:127.0.0.1:" + hostPort + "-:" + guestPort,
                "-device", "virtio-net-pci,netdev=ownet"));
        if (pcap != null) {
            args.addAll(List.of("-object", "filter-dump,id=owdump,netdev=ownet,file=" + pcap));
        }
        return List.copyOf(args);
    }

    public static QemuVm start(VmSpec spec, Accelerator accel, Path consoleLog, Consumer<String> progress) {
        ProcessBuilder pb = new ProcessBuilder(commandLine(spec, accel));
        pb.redirectErrorStream(true);
        try {
            Process p = pb.start();
            SerialConsole c = new SerialConsole(p.getInputStream(), p.getOutputStream(), consoleLog, progress);
            return new QemuVm(p, c, accel);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start qemu-system-x86_64 (run ./otherworld setup)", e);
        }
    }

    public SerialConsole console() {
        return console;
    }

    public Accelerator accelerator() {
        return accel;
    }

    /** Waits for QEMU to exit by itself (guest power-off, or -no-reboot after a reset). */
    public boolean waitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** QEMU's exit status, or null while it runs. */
    public Integer exitCode() {
        return process.isAlive() ? null : process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        console.close();
    }
}
