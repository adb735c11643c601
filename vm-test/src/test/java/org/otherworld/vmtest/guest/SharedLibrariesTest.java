package org.otherworld.vmtest.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SharedLibrariesTest {
    @Test
    void parsesLddOutput() {
        String ldd = "\tlinux-vdso.so.1 (0x00007ffd)\n"
                + "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f5ae2d03000)\n"
                + "\t/lib64/ld-linux-x86-64.so.2 (0x00007f5ae33e6000)\n";
        assertEquals(List.of("/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"),
                List.copyOf(SharedLibraries.parseLdd("x", ldd)));
    }

    @Test
    void aMissingLibraryIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SharedLibraries.parseLdd("/usr/sbin/criu", "\tlibnet.so.1 => not found\n"));
        assertTrue(e.getMessage().contains("libnet.so.1"));
    }

    @Test
    void findsTheLibrariesOfARealHostBinary() {
        Set<String> libs = SharedLibraries.of(Path.of("/bin/ls"));
        assertTrue(libs.stream().anyMatch(l -> l.endsWith("libc.so.6")), libs.toString());
    }
}
