package org.otherworld.agent.robustness;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.UnsupportedKernelException;
import org.otherworld.agent.task.ProcessJson;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.ProcessReader;
import org.otherworld.agent.vmcore.ElfVmcore;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VmcoreFormatException;

/**
 * Truncated dumps of a real capture. A file truncation is tested with temporary files holding the first
 * K bytes (K up to 8 MiB, so the 847 MB dump is never copied): {@link ElfVmcore} checks every PT_LOAD
 * against the file size, so each must fail at open with a one-line "truncated" error. Losing memory
 * further in is simulated by a {@link CorruptingMemory} that hides all physical memory above an address:
 * the kernel then either opens and lists its processes (with errors where memory is gone) or refuses
 * with a one-line error, never hangs.
 */
class TruncatedVmcoreTest {
    static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    static void copyPrefix(Path from, Path to, long n) throws IOException {
        try (InputStream in = Files.newInputStream(from); OutputStream out = Files.newOutputStream(to)) {
            byte[] buf = new byte[1 << 16];
            long left = n;
            while (left > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) {
                    break;
                }
                out.write(buf, 0, r);
                left -= r;
            }
        }
    }

    @Test
    void filePrefixesFailAtOpenWithOneLine() throws IOException {
        Path cap = RealDump.find();
        assumeTrue(cap != null, "no capture under " + RealDump.WORK_CAPTURES + " or the capture store");
        Path vmcore = cap.resolve("vmcore");
        byte[] eh = new byte[64];
        try (InputStream in = Files.newInputStream(vmcore)) {
            assertTrue(in.readNBytes(eh, 0, 64) == 64);
        }
        long phEnd = LittleEndian.u64(eh, 32) + (long) LittleEndian.u16(eh, 54) * LittleEndian.u16(eh, 56);
        List<Long> sizes = new ArrayList<>(List.of(0L, 1L, 16L, 63L, 64L, 100L, phEnd - 1, phEnd, phEnd + 100,
                4096L, 1L << 20, 8L << 20));
        for (long k : sizes) {
            Path p = tmp.resolve("vmcore-" + k);
            copyPrefix(vmcore, p, k);
            VmcoreFormatException e = assertTimeoutPreemptively(BOUND,
                    () -> assertThrows(VmcoreFormatException.class, () -> DeadKernel.open(p).close(), "prefix " + k));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("not an ELF")
                    || e.getMessage().contains("beyond the end"), "prefix " + k + ": " + e.getMessage());
            System.out.println("robustness: first " + k + " bytes: " + e.getMessage());
            Files.delete(p);
        }
    }

    @Test
    void physicalMemoryCutOffOpensOrFailsCleanly() throws IOException {
        Path cap = RealDump.find();
        assumeTrue(cap != null, "no capture under " + RealDump.WORK_CAPTURES + " or the capture store");
        try (ElfVmcore core = ElfVmcore.open(cap.resolve("vmcore"))) {
            CorruptingMemory mem = new CorruptingMemory(core);
            for (long mib : new long[] {1024, 768, 512, 256, 128, 64, 16, 1}) {
                mem.clear();
                mem.truncateAt(mib << 20);
                String outcome = assertTimeoutPreemptively(BOUND, () -> {
                    DeadKernel k;
                    try {
                        k = DeadKernel.open(core, mem); // not closed: that would close the shared core
                    } catch (VmcoreFormatException | UnsupportedKernelException | MemoryAccessException e) {
                        assertFalse(e.getMessage().contains("\n"));
                        return "refused: " + e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                    ProcessReader r = new ProcessReader(k);
                    List<ProcessModel> ms = r.readAll(ProcessReader.Options.all());
                    int withErrors = 0;
                    for (ProcessModel m : ms) {
                        ProcessJson.groundTruth(m);
                        withErrors += m.errors().isEmpty() ? 0 : 1;
                    }
                    return "opened, " + ms.size() + " processes, " + withErrors + " with errors, task list: "
                            + (r.processes().error() == null ? "complete" : r.processes().error());
                });
                System.out.println("robustness: physical memory cut at " + mib + " MiB: " + outcome);
            }
        }
    }
}
