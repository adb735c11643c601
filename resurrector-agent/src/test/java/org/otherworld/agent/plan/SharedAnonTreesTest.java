package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.Vma;
import org.otherworld.agent.task.VmaFlags;

/** Shared anonymous memory is restorable; when two restore sets map one object, both are told it splits. */
class SharedAnonTreesTest {
    static Vma sharedAnon(long start, long ino) {
        long f = VmaFlags.VM_READ | VmaFlags.VM_WRITE | VmaFlags.VM_MAYREAD | VmaFlags.VM_MAYWRITE | VmaFlags.VM_SHARED
                | VmaFlags.VM_MAYSHARE;
        return new Vma(0x300, start, start + 0x4000, f, 0, 0xdef, "/dev/zero (deleted)", null, 1, ino);
    }

    @Test
    void objectsMappedInTwoTreesAreReportedForBoth() {
        // 10 and its child 11 share object 500 (one tree); 20, a tree of its own, also maps 500; 30 maps 600 alone
        ProcessModel a = Models.process(10, 1, 10, "a", List.of(), List.of(sharedAnon(0x7f0000000000L, 500)));
        ProcessModel b = Models.process(11, 10, 10, "b", List.of(), List.of(sharedAnon(0x7f0000000000L, 500)));
        ProcessModel c = Models.process(20, 1, 20, "c", List.of(), List.of(sharedAnon(0x7f0000100000L, 500)));
        ProcessModel d = Models.process(30, 1, 30, "d", List.of(), List.of(sharedAnon(0x7f0000100000L, 600)));
        Planner.Result r = new Planner(SystemPolicy.empty(), Registrations.none(), v -> "ext4",
                new Planner.Config(false, true)).plan(List.of(a, b, c, d), Set.of());
        for (ProcessPlan p : r.processes()) {
            assertTrue(p.resurrect(), p.pid() + ": " + p.reason()); // shared anonymous memory no longer blocks
        }
        Map<Integer, List<String>> w = SharedAnonMemory.sharedAcrossTrees(r.trees());
        assertEquals(Set.of(10, 20), w.keySet(), w.toString());
        assertTrue(w.get(10).get(0).contains("shmem inode 500") && w.get(10).get(0).contains("[20]"), w.toString());
        assertTrue(w.get(20).get(0).contains("[10]"), w.toString());
    }
}
