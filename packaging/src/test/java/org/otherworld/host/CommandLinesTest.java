package org.otherworld.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLinesTest {
    static final String RUNNING = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-56-cloud-amd64 root=UUID=abcd ro console=ttyS0 "
            + "crashkernel=256M quiet systemd.unit=multi-user.target";

    @Test
    void mainLineDropsBootLoaderWordsAndMarksTheHandOver() {
        assertEquals("root=UUID=abcd ro console=ttyS0 crashkernel=256M quiet systemd.unit=multi-user.target "
                + "ow.boot=resurrected", CommandLines.mainCommandLine(RUNNING + " memmap=exactmap memmap=1M@0 ow.boot=resurrected"));
    }

    @Test
    void crashLineKeepsRootAndConsoleAndAddsOurInit() {
        assertEquals("root=UUID=abcd ro console=ttyS0 " + CommandLines.crashExtra(2),
                CommandLines.crashCommandLine(RUNNING + " memmap=exactmap init=/bin/bash nr_cpus=4", 2));
        assertTrue(CommandLines.crashCommandLine(RUNNING, 3).contains(" nr_cpus=3 "), "the configured CPU count");
    }

    static void entry(Path dir, int i, long start, long end, String type) throws IOException {
        Path d = Files.createDirectories(dir.resolve(Integer.toString(i)));
        Files.writeString(d.resolve("start"), String.format("0x%x\n", start));
        Files.writeString(d.resolve("end"), String.format("0x%x\n", end));
        Files.writeString(d.resolve("type"), type + "\n");
    }

    @Test
    void memoryMapFromFirmwareSortedWithTypes(@TempDir Path dir) throws IOException {
        entry(dir, 0, 0x0, 0x9fbff, "System RAM");
        entry(dir, 2, 0x100000, 0x3ffdffff, "System RAM");
        entry(dir, 1, 0xf0000, 0xfffff, "Reserved");
        entry(dir, 3, 0x3ffe0000, 0x3fffffff, "ACPI Tables");
        assertEquals("memmap=exactmap memmap=0x9fc00@0x0 memmap=0x10000$0xf0000 memmap=0x3fee0000@0x100000 "
                + "memmap=0x20000#0x3ffe0000", CommandLines.memoryMap("root=/dev/vda", dir));
    }

    @Test
    void memoryMapCarriedAfterHandOver(@TempDir Path dir) throws IOException {
        assertEquals("memmap=exactmap memmap=0x9fc00@0x0", CommandLines.memoryMap(
                "root=/dev/vda memmap=exactmap memmap=0x9fc00@0x0 ow.boot=resurrected", dir.resolve("absent")));
        assertThrows(IOException.class, () -> CommandLines.memoryMap("root=/dev/vda", dir.resolve("absent")));
    }
}
