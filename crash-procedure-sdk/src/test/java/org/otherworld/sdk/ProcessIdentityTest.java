package org.otherworld.sdk;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessIdentityTest {
    @Test
    void startTimeIsField22EvenWithSpacesAndParensInComm() throws IOException {
        // fields: 1 pid, 2 comm, 3 state, 4..21, 22 starttime
        StringBuilder b = new StringBuilder("123 (a) b (c) S");
        for (int f = 4; f <= 21; f++) {
            b.append(' ').append(f * 10);
        }
        b.append(" 987654 999 1000\n");
        assertEquals(987654, ProcessIdentity.parseStartTime(b.toString(), "x"));
        assertThrows(IOException.class, () -> ProcessIdentity.parseStartTime("1 (x) S 2 3", "x"));
    }

    @Test
    void readsCurrentProcess() throws IOException {
        ProcessIdentity id = ProcessIdentity.current();
        assertEquals(ProcessHandle.current().pid(), id.pid());
        assertTrue(id.startTime() > 0);
        assertFalse(id.cmdline().isEmpty());
        assertTrue(id.exe().endsWith("java"), id.exe());
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertEquals(Long.parseLong(after[19]), id.startTime());
    }

    @Test
    void splitsNulSeparatedCmdline() {
        assertEquals(List.of("java", "-cp", "a b", ""), ProcessIdentity.splitNul("java\0-cp\0a b\0\0".getBytes()));
    }
}
