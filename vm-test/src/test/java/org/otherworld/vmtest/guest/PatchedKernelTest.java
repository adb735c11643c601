package org.otherworld.vmtest.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PatchedKernelTest {
    /** The layout build.sh --full leaves: VERSION/full/{out/{release,boot,lib/modules},build/Makefile}. */
    static Path fakeBuild(Path root, String version, String release, String image) throws Exception {
        Path full = root.resolve(version).resolve("full");
        Path out = full.resolve("out");
        Files.createDirectories(out.resolve("boot"));
        Files.createDirectories(out.resolve("lib/modules/" + release));
        Files.createDirectories(full.resolve("build"));
        Files.writeString(out.resolve("release"), release + "\n");
        Files.writeString(out.resolve("boot/vmlinuz-" + release), image);
        Files.writeString(out.resolve("lib/modules/" + release + "/modules.dep"), "kernel/a.ko:\n");
        Files.writeString(full.resolve("build/Makefile"), "include ../src/Makefile\n");
        return out;
    }

    @Test
    void findsACompleteBuildAndNamesItsParts(@TempDir Path root) throws Exception {
        Path out = fakeBuild(root, "6.1.192-2", "6.1.192-otherworld", "image one");
        PatchedKernel k = PatchedKernel.find(root).orElseThrow();
        assertEquals("6.1.192-otherworld", k.release());
        assertEquals(out.resolve("boot/vmlinuz-6.1.192-otherworld"), k.image());
        assertEquals(out.resolve("lib/modules/6.1.192-otherworld"), k.modules());
        assertEquals(out.resolveSibling("build"), k.buildDir());
        assertTrue(k.identity().startsWith("6.1.192-2/6.1.192-otherworld/"), k.identity());
    }

    @Test
    void aRebuiltImageChangesTheIdentity(@TempDir Path root) throws Exception {
        Path out = fakeBuild(root, "6.1.192-2", "6.1.192-otherworld", "image one");
        String before = PatchedKernel.find(root).orElseThrow().identity();
        Files.writeString(out.resolve("boot/vmlinuz-6.1.192-otherworld"), "image two");
        assertNotEquals(before, PatchedKernel.find(root).orElseThrow().identity());
    }

    @Test
    void anIncompleteOrMissingBuildIsNotFound(@TempDir Path root) throws Exception {
        assertTrue(PatchedKernel.find(root.resolve("nothing")).isEmpty());
        Path out = fakeBuild(root, "6.1.192-2", "6.1.192-otherworld", "img");
        Files.delete(out.resolve("lib/modules/6.1.192-otherworld/modules.dep"));
        assertTrue(PatchedKernel.find(root).isEmpty(), "no modules.dep: the build did not finish");
        String why = PatchedKernel.notBuiltReason(root);
        assertTrue(why.startsWith("patched kernel not built: run kernel-patches/build.sh --full (about"), why);
    }

    @Test
    void kernelChoiceParses() {
        assertEquals(GuestKernel.PATCHED, GuestKernel.parse("patched"));
        assertEquals(GuestKernel.STOCK, GuestKernel.parse("stock"));
        assertThrows(IllegalArgumentException.class, () -> GuestKernel.parse("vanilla"));
    }
}
