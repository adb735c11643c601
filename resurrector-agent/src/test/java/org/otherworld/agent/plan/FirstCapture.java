package org.otherworld.agent.plan;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.live.CaptureStore;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.ProcessReader;

/** Test helper: the first real capture of the {@link CaptureStore} (the calling test is skipped without one). */
final class FirstCapture {
    private FirstCapture() {
    }

    /** The vmcore of the first capture; skips the calling test when there is none. */
    static Path vmcoreOrSkip() {
        List<Path> caps = CaptureStore.available();
        Assumptions.assumeFalse(caps.isEmpty(), "no capture in " + CaptureStore.root() + ": skipped");
        return caps.get(0).resolve("vmcore");
    }

    /** The dead kernel of the first capture; skips the calling test when there is none. */
    static DeadKernel openOrSkip() throws IOException {
        return DeadKernel.open(vmcoreOrSkip());
    }

    /** Its user processes that have an address space (ids and memory map only). */
    static List<ProcessModel> withMemory(DeadKernel k) {
        return new ProcessReader(k).readAll(ProcessReader.Options.summary()).stream()
                .filter(p -> p.mm() != null).toList();
    }
}
