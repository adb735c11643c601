package org.otherworld.vmtest.guest;

import java.nio.file.Path;

/**
 * A built guest: the kernel, the initramfs (used both as the test system's root and as the crash
 * kernel's initramfs), and the staging tree from which each run's data disk is made.
 *
 * @param key the cache key: a hash of every input's identity
 */
public record GuestImage(String kernelPackage, String kernelRelease, Path vmlinuz, Path initrd, Path dataStaging,
                         String key) {
}
