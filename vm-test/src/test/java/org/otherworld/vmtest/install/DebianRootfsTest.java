package org.otherworld.vmtest.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebianRootfsTest {
    @Test
    void keyFollowsScriptAndMirror() {
        String k = DebianRootfs.key("script", "http://m");
        assertEquals(16, k.length());
        assertEquals(k, DebianRootfs.key("script", "http://m"));
        assertNotEquals(k, DebianRootfs.key("script2", "http://m"));
        assertNotEquals(k, DebianRootfs.key("script", "http://n"));
    }

    @Test
    void cachedDirIsUnderTheCache(@TempDir Path cache) throws Exception {
        Path d = DebianRootfs.cachedDir(cache);
        assertEquals(cache.resolve("debian-rootfs"), d.getParent());
        assertTrue(DebianRootfs.resource(DebianRootfs.SCRIPT).contains("debootstrap"));
        assertTrue(DebianRootfs.resource("/install/ow-it-driver.sh").contains("OW-IT"));
        Files.createDirectories(d.resolve("boot"));
        Files.writeString(d.resolve("boot/vmlinuz-6.1.0-56-cloud-amd64"), "k");
        Files.writeString(d.resolve("identity.txt"), "x");
        DebianRootfs r = DebianRootfs.obtain(cache, s -> { });
        assertEquals("6.1.0-56-cloud-amd64", r.kernelRelease());
        assertEquals(d.resolve("boot/initrd.img-6.1.0-56-cloud-amd64"), r.initrd());
    }
}
