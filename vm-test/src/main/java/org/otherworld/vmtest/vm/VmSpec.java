package org.otherworld.vmtest.vm;

import java.nio.file.Path;
import java.util.List;

/**
 * What to boot: kernel, initramfs, command line, disks (virtio, in order vda, vdb, ...), memory and CPUs,
 * and extra QEMU arguments appended as given (e.g. a fault campaign's {@code -gdb tcp:127.0.0.1:PORT}).
 */
public record VmSpec(Path kernel, Path initrd, String cmdline, List<Path> disks, int memoryMiB, int cpus,
                     List<String> extraArgs) {
    public VmSpec {
        disks = List.copyOf(disks);
        extraArgs = extraArgs == null ? List.of() : List.copyOf(extraArgs);
    }

    /** Without extra QEMU arguments. */
    public VmSpec(Path kernel, Path initrd, String cmdline, List<Path> disks, int memoryMiB, int cpus) {
        this(kernel, initrd, cmdline, disks, memoryMiB, cpus, List.of());
    }
}
