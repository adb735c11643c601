package org.otherworld.vmtest.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KernelModulesTest {
    static final String DEP = String.join("\n",
            "kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko",
            "kernel/drivers/virtio/virtio_ring.ko:",
            "kernel/drivers/virtio/virtio.ko:",
            "kernel/net/netfilter/nf_tables.ko.xz: kernel/net/netfilter/nfnetlink.ko.xz kernel/lib/libcrc32c.ko",
            "kernel/net/netfilter/nfnetlink.ko.xz:",
            "kernel/lib/libcrc32c.ko:",
            "kernel/drivers/misc/some-thing.ko:", "");

    @Test
    void closureIncludesDependenciesOnce() {
        KernelModules km = KernelModules.parse(DEP);
        Set<String> c = km.closure(List.of("virtio_blk", "nf_tables", "virtio"));
        assertEquals(Set.of("kernel/drivers/block/virtio_blk.ko", "kernel/drivers/virtio/virtio_ring.ko",
                "kernel/drivers/virtio/virtio.ko", "kernel/net/netfilter/nf_tables.ko.xz",
                "kernel/net/netfilter/nfnetlink.ko.xz", "kernel/lib/libcrc32c.ko"), c);
    }

    @Test
    void namesIgnoreDashesAndCompression() {
        KernelModules km = KernelModules.parse(DEP);
        assertTrue(km.has("some_thing"));
        assertTrue(km.has("some-thing"));
        assertEquals("nf_tables", KernelModules.moduleName("kernel/net/netfilter/nf_tables.ko.xz"));
        assertFalse(km.has("ext4"));
        assertThrows(IllegalStateException.class, () -> km.closure(List.of("ext4")));
    }
}
