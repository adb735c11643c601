package org.otherworld.agent.robustness;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.mm.MapleLayout;
import org.otherworld.agent.task.GroundTruthCheck;
import org.otherworld.agent.task.ProcessJson;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.ProcessReader;
import org.otherworld.agent.vmcore.MemoryAccessException;

/**
 * Seeded random bit flips inside the kernel structures of the ground-truth processes of a real capture
 * (task_struct, signal_struct, mm_struct, the VMA maple tree's root node, files_struct, fdtable), in rounds
 * of {@link #FLIPS_PER_ROUND}: no round may hang or throw out of {@link ProcessReader#readAll}, every model
 * must render, and processes whose structures were not touched must read as before when the task list
 * is intact. Statistics of what the flips did are printed.
 */
class RandomBitFlipTest {
    static final long SEED = 0x5eed_b8L;
    static final int ROUNDS = 30;
    static final int FLIPS_PER_ROUND = 10;
    static final Duration BOUND = Duration.ofSeconds(20);

    /** A kernel structure to flip bits in. */
    record Region(int pid, String what, long va, long size) {
    }

    List<Region> regions(RealDump d, List<ProcessModel> base) {
        List<Region> out = new ArrayList<>();
        MapleLayout ml = d.kernel.mapleLayout();
        for (int pid : d.groundTruthPids) {
            ProcessModel m = base.stream().filter(p -> p.pid() == pid).findFirst().orElseThrow();
            long task = m.task();
            out.add(new Region(pid, "task_struct", task, d.kernel.types().struct("task_struct").size()));
            long signal = d.readU64(task + d.off("task_struct", "signal"));
            out.add(new Region(pid, "signal_struct", signal, d.kernel.types().struct("signal_struct").size()));
            long mm = m.mm().address();
            out.add(new Region(pid, "mm_struct", mm, d.kernel.types().struct("mm_struct").size()));
            long root = d.readU64(mm + d.off("mm_struct", "mm_mt") + d.off("maple_tree", "ma_root"));
            out.add(new Region(pid, "maple_node", root & ~0xffL, ml.nodeSize()));
            long files = d.readU64(task + d.off("task_struct", "files"));
            out.add(new Region(pid, "files_struct", files, d.kernel.types().struct("files_struct").size()));
            long fdt = d.readU64(files + d.off("files_struct", "fdt"));
            out.add(new Region(pid, "fdtable", fdt, d.kernel.types().struct("fdtable").size()));
        }
        return out;
    }

    @Test
    void randomFlipsNeverHangOrEscape() throws IOException {
        try (RealDump d = RealDump.openOrSkip()) {
            ProcessReader.Options opts = new ProcessReader.Options(false, true, true, true);
            List<ProcessModel> base = new ProcessReader(d.kernel).readAll(ProcessReader.Options.all());
            List<Region> regions = regions(d, base);
            Random rnd = new Random(SEED);
            int withError = 0;
            int silent = 0;
            int same = 0;
            int missing = 0;
            int listCut = 0;
            long worstMs = 0;
            for (int round = 0; round < ROUNDS; round++) {
                d.memory.clear();
                List<Integer> touched = new ArrayList<>();
                for (int i = 0; i < FLIPS_PER_ROUND; i++) {
                    Region r = regions.get(rnd.nextInt(regions.size()));
                    long va = r.va() + (long) rnd.nextInt((int) r.size());
                    try {
                        d.memory.flipBit(d.pa(va), rnd.nextInt(8));
                    } catch (MemoryAccessException e) {
                        continue; // a page of the region not in the dump: nothing to flip
                    }
                    touched.add(r.pid());
                }
                // every fifth round also hashes pages, where a flipped mm->pgd sends the walk into garbage
                ProcessReader.Options o = round % 5 == 4 ? ProcessReader.Options.all() : opts;
                long t0 = System.nanoTime();
                ProcessReader reader = new ProcessReader(d.kernel);
                List<ProcessModel> now = assertTimeoutPreemptively(BOUND, () -> reader.readAll(o),
                        "round " + round + " did not finish");
                ProcessReader.Listing listing = assertTimeoutPreemptively(BOUND, reader::processes);
                worstMs = Math.max(worstMs, (System.nanoTime() - t0) / 1_000_000);
                for (ProcessModel m : now) {
                    assertNotNull(ProcessJson.groundTruth(m));
                    assertNotNull(ProcessJson.detail(m));
                }
                if (listing.error() != null) {
                    listCut++;
                }
                for (ProcessModel b : base) {
                    ProcessModel n = now.stream().filter(p -> p.pid() == b.pid()).findFirst().orElse(null);
                    if (!touched.contains(b.pid())) {
                        if (listing.error() == null) {
                            assertNotNull(n, "round " + round + ": untouched pid " + b.pid() + " not listed");
                            List<String> diff = GroundTruthCheck.compare(ProcessJson.groundTruth(b),
                                    ProcessJson.groundTruth(n), RealDumpCorruptionTest.FIELDS);
                            assertTrue(diff.isEmpty(), "round " + round + ": untouched pid " + b.pid() + " changed: " + diff);
                        }
                        continue;
                    }
                    if (n == null) {
                        missing++;
                    } else if (!n.errors().isEmpty()) {
                        withError++;
                    } else if (GroundTruthCheck.compare(ProcessJson.groundTruth(b), ProcessJson.groundTruth(n),
                            RealDumpCorruptionTest.FIELDS).isEmpty()) {
                        same++;
                    } else {
                        silent++;
                    }
                }
            }
            System.out.printf("robustness: %d rounds x %d flips (seed 0x%x): touched processes read unchanged %d,"
                            + " with errors %d, changed without error %d, not listed (pid flipped or list cut) %d;"
                            + " task list cut in %d rounds; slowest round %d ms%n", ROUNDS, FLIPS_PER_ROUND, SEED,
                    same, withError, silent, missing, listCut, worstMs);
        }
    }
}
