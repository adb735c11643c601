package org.otherworld.agent.robustness;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.otherworld.agent.json.Json;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.live.CaptureStore;
import org.otherworld.agent.vmcore.ElfVmcore;

/**
 * Test helper: one real capture opened through a {@link CorruptingMemory}, so tests can corrupt the
 * dead kernel's structures by kernel virtual address. Captures are looked for in /work/captures (stable,
 * checked first) and in the {@link CaptureStore}; tests are skipped when there is none.
 */
final class RealDump implements AutoCloseable {
    /** Fixed capture directory of the development machine, checked before the store. */
    static final Path WORK_CAPTURES = Path.of("/work/captures");

    final Path dir;
    final ElfVmcore core;
    final CorruptingMemory memory;
    final DeadKernel kernel;
    final List<Integer> groundTruthPids = new ArrayList<>();

    private RealDump(Path dir) throws IOException {
        this.dir = dir;
        this.core = ElfVmcore.open(dir.resolve("vmcore"));
        this.memory = new CorruptingMemory(core);
        this.kernel = DeadKernel.open(core, memory);
        Map<?, ?> gt = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("groundtruth.json")));
        for (Object p : (List<?>) gt.get("processes")) {
            groundTruthPids.add(((Number) ((Map<?, ?>) p).get("pid")).intValue());
        }
    }

    /** The first complete capture, or null. */
    static Path find() {
        if (Files.isDirectory(WORK_CAPTURES)) {
            try (Stream<Path> s = Files.list(WORK_CAPTURES)) {
                Path p = s.filter(CaptureStore::complete).sorted().findFirst().orElse(null);
                if (p != null) {
                    return p;
                }
            } catch (IOException e) {
                // fall through to the store
            }
        }
        List<Path> store = CaptureStore.available();
        return store.isEmpty() ? null : store.get(0);
    }

    /** Opens the first capture; skips the calling test (JUnit assumption) when there is none. */
    static RealDump openOrSkip() throws IOException {
        Path p = find();
        assumeTrue(p != null, "no capture (vmcore + groundtruth.json + capture.json) under " + WORK_CAPTURES
                + " or " + CaptureStore.root() + "; vm-test's capture makes one");
        return new RealDump(p);
    }

    /** Physical address of kernel virtual address {@code va}. */
    long pa(long va) {
        return kernel.kernelMemory().translate(va);
    }

    /** Patches the 8 bytes at kernel VA {@code va} (one page). */
    void putU64(long va, long v) {
        memory.putU64(pa(va), v);
    }

    void putU32(long va, int v) {
        memory.putU32(pa(va), v);
    }

    void put(long va, byte[] b) {
        memory.put(pa(va), b);
    }

    long readU64(long va) {
        return kernel.kernelMemory().readU64(va);
    }

    /** Offset of {@code path} in struct {@code struct}, from BTF. */
    long off(String struct, String path) {
        return kernel.types().struct(struct).member(path).offset();
    }

    @Override
    public void close() throws IOException {
        kernel.close();
    }
}
