package org.otherworld.agent.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.live.CaptureStore;

/**
 * The swap layouts resolve against a real 6.1 kernel's kallsyms and BTF. The captured guests run without
 * swap, so this checks only that: every swap type reads as unused (no page data can be tested for real).
 */
class SwapRealKernelTest {
    static Path capture() throws IOException {
        Path work = Path.of("/work/captures");
        if (Files.isDirectory(work)) {
            try (Stream<Path> s = Files.list(work)) {
                Optional<Path> p = s.filter(CaptureStore::complete).sorted().findFirst();
                if (p.isPresent()) {
                    return p.get();
                }
            }
        }
        List<Path> store = CaptureStore.available();
        return store.isEmpty() ? null : store.get(0);
    }

    @Test
    void layoutsResolveAndAGuestWithoutSwapReadsEmpty() throws IOException {
        Path cap = capture();
        assumeTrue(cap != null, "no capture under /work/captures or " + CaptureStore.root());
        try (DeadKernel k = DeadKernel.open(cap.resolve("vmcore"))) {
            SwapCacheLayout cl = SwapCacheLayout.of(k);
            assertEquals(22, cl.maxSwapFiles());
            assertEquals(k.types().struct("page").size(), cl.structPageSize());
            assertTrue(cl.nrSwapperSpaces() != 0, "nr_swapper_spaces is in kallsyms (CONFIG_KALLSYMS_ALL)");
            SwapDeviceLayout dl = SwapDeviceLayout.of(k);
            assertEquals(1, dl.swpUsed());
            assertEquals(2, dl.swpWriteOk());
            assertEquals(1 << 8, dl.swpFsOps());
            SwapCacheSource cache = SwapCacheSource.of(k);
            try (SwapDeviceSource dev = SwapDeviceSource.of(k, SwapDeviceSource.DEV_BLOCK)) {
                SwapSource both = cache.thenDevice(dev);
                for (int type = 0; type < cl.maxSwapFiles(); type++) {
                    assertEquals(Optional.empty(), both.readPage(type, 1));
                    assertNull(dev.areaError(type));
                    assertTrue(dev.map(type).isEmpty());
                }
                assertTrue(cache.problems().isEmpty(), cache.problems().toString());
                assertTrue(dev.problems().isEmpty(), dev.problems().toString());
            }
        }
    }
}
