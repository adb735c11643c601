package org.otherworld.vmtest.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitramfsTest {
    record Read(long mode, byte[] data, long rmaj, long rmin) {
    }

    static Map<String, Read> read(Path gz) throws Exception {
        Map<String, Read> out = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz));
             CpioArchiveInputStream cpio = new CpioArchiveInputStream(in)) {
            CpioArchiveEntry e;
            while ((e = cpio.getNextCPIOEntry()) != null) {
                out.put(e.getName(), new Read(e.getMode(), cpio.readAllBytes(), e.getRemoteDeviceMaj(), e.getRemoteDeviceMin()));
            }
        }
        return out;
    }

    @Test
    void writesNewcCpioWithImplicitParentsAndEveryEntryKind(@TempDir Path tmp) throws Exception {
        Path host = tmp.resolve("prog");
        Files.writeString(host, "#!/bin/sh\necho hi\n");
        host.toFile().setExecutable(true);
        Initramfs fs = new Initramfs()
                .file("/opt/ow/bin/prog", host)
                .text("/etc/motd", "hello", 0644)
                .symlink("/bin/sh", "/bin/busybox")
                .charDevice("/dev/console", 5, 1, 0600)
                .dir("/proc");
        Path out = tmp.resolve("initrd.gz");
        fs.writeGzip(out);
        Map<String, Read> r = read(out);
        assertTrue(r.containsKey("opt") && r.containsKey("opt/ow") && r.containsKey("opt/ow/bin"), r.keySet().toString());
        assertEquals(CpioConstants.C_ISDIR | 0755, r.get("opt/ow").mode());
        assertEquals(CpioConstants.C_ISREG | 0755, r.get("opt/ow/bin/prog").mode());
        assertArrayEquals(Files.readAllBytes(host), r.get("opt/ow/bin/prog").data());
        assertEquals(CpioConstants.C_ISREG | 0644, r.get("etc/motd").mode());
        assertEquals("hello", new String(r.get("etc/motd").data(), StandardCharsets.UTF_8));
        assertEquals(CpioConstants.C_ISLNK | 0777, r.get("bin/sh").mode());
        assertEquals("/bin/busybox", new String(r.get("bin/sh").data(), StandardCharsets.UTF_8));
        Read console = r.get("dev/console");
        assertEquals(CpioConstants.C_ISCHR | 0600, console.mode());
        assertEquals(5, console.rmaj());
        assertEquals(1, console.rmin());
        // parents come before children, as the kernel's unpacker needs
        var names = r.keySet().stream().toList();
        assertTrue(names.indexOf("opt/ow") < names.indexOf("opt/ow/bin/prog"));
    }

    @Test
    void copiesHostTreesWithSymlinks(@TempDir Path tmp) throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("t/lib"));
        Files.writeString(tree.resolve("a.so"), "A");
        Files.createSymbolicLink(tree.resolve("a.so.1"), Path.of("a.so"));
        Initramfs fs = new Initramfs().tree("/usr", tmp.resolve("t"));
        Path out = tmp.resolve("i.gz");
        fs.writeGzip(out);
        Map<String, Read> r = read(out);
        assertEquals("A", new String(r.get("usr/lib/a.so").data(), StandardCharsets.UTF_8));
        assertEquals("a.so", new String(r.get("usr/lib/a.so.1").data(), StandardCharsets.UTF_8));
    }

    @Test
    void rejectsPathsThatLeaveTheImage() {
        assertThrows(IllegalArgumentException.class, () -> new Initramfs().text("/etc/../../x", "", 0644));
    }
}
