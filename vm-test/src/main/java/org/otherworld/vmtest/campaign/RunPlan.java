package org.otherworld.vmtest.campaign;

import java.util.ArrayList;
import java.util.List;

/**
 * One planned run: its id (stable across reruns of the same campaign), fault type and seed.
 *
 * @param index position in the campaign (0-based)
 * @param id    "r0007-regflip": what results.jsonl and the evidence directories are keyed by
 */
public record RunPlan(int index, String id, FaultType type, long seed) {

    /**
     * The campaign's runs: the types in turn (run i gets type i mod #types) and each run a seed derived
     * from the campaign seed and its index, so a run is the same whatever else the campaign holds.
     */
    public static List<RunPlan> plan(int runs, List<FaultType> types, long campaignSeed) {
        List<RunPlan> out = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            FaultType t = types.get(i % types.size());
            long seed = new SplitMix64(campaignSeed ^ (0x632BE59BD9B4E019L * (i + 1))).next() & Long.MAX_VALUE;
            out.add(new RunPlan(i, String.format("r%04d-%s", i, t.label()), t, seed));
        }
        return out;
    }
}
