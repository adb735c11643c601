package org.otherworld.vmtest.vm;

import java.nio.file.Path;
import java.util.List;

/**
 * What to boot: kernel, initramfs, command line, disks (virtio, in order vda, vdb, ...), memory and CPUs.
 */
public record VmSpec(Path kernel, Path initrd, String cmdline, List<Path> disks, int memoryMiB, int cpus) {
    public VmSpec {
        disks = List.copyOf(disks);
    }
}
