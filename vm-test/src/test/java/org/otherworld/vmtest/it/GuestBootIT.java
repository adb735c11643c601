package org.otherworld.vmtest.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.guest.GuestBuilder;
import org.otherworld.vmtest.guest.GuestImage;
import org.otherworld.vmtest.vm.Accelerator;
import org.otherworld.vmtest.vm.DataDisk;
import org.otherworld.vmtest.vm.Guest;
import org.otherworld.vmtest.vm.Timeline;

/** Builds the guest, boots it, and round-trips commands through its console. */
class GuestBootIT {
    @Test
    void bootsArmsAndAnswersCommands(@TempDir Path tmp) throws Exception {
        Workspace ws = VmAvailability.workspace();
        GuestImage img = new GuestBuilder(ws, System.out::println).build();
        // the second build finds everything cached
        long t0 = System.nanoTime();
        GuestImage again = new GuestBuilder(ws, System.out::println).build();
        assertEquals(img.key(), again.key());
        assertTrue((System.nanoTime() - t0) / 1e9 < 20, "a cached build must not rebuild");

        Guest.Options o = new Guest.Options(768, 2, "capture", Map.of(), 0, null);
        try (Guest g = new Guest(img, tmp, o, new Timeline(), System.out::println)) {
            Accelerator accel = Accelerator.choose(System.getenv().getOrDefault("OTHERWORLD_ACCEL", "auto"), g.spec(),
                    ws.cache(), tmp, System.out::println);
            g.boot(accel);
            assertEquals(img.kernelRelease(), g.console().check("uname -r", Duration.ofSeconds(60)).strip());
            assertEquals("1", g.console().check("cat /sys/kernel/kexec_crash_loaded", Duration.ofSeconds(60)).strip());
            assertTrue(g.console().check("grep 'Crash kernel' /proc/iomem", Duration.ofSeconds(60)).contains("Crash kernel"));
            // the pieces trials need are in the guest and run
            assertTrue(g.console().check("criu --version", Duration.ofSeconds(60)).contains("Version"));
            assertTrue(g.console().check("java -Xshare:auto -version 2>&1", Duration.ofSeconds(120)).contains("17"));
            g.console().check("echo persisted > /data/roundtrip.txt && sync", Duration.ofSeconds(60));
            assertEquals(2, g.console().run("(exit 2)", Duration.ofSeconds(60)).exit());
            g.shutdown(Duration.ofSeconds(60));
            Path back = tmp.resolve("roundtrip.txt");
            assertTrue(DataDisk.read(g.dataDisk(), "/roundtrip.txt", back));
            assertEquals("persisted", Files.readString(back).strip());
        }
    }
}
