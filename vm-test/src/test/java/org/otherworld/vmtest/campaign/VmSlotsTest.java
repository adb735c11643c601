package org.otherworld.vmtest.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VM slots on temporary lock files, interoperating with flock(1) as the vmslot script uses it. */
class VmSlotsTest {
    @Test
    void slotsAreExclusiveSharedWithFlockAndReleased(@TempDir Path tmp) throws Exception {
        String prefix = tmp.resolve("slot").toString();
        VmSlots slots = new VmSlots(prefix, 2, s -> { });
        VmSlots.Slot a = slots.tryTake(1);
        assertNotNull(a);
        assertNull(slots.tryTake(1), "slot 1 is taken");
        // an outside flock(1) user (like the vmslot script) sees it taken too
        Process outside = new ProcessBuilder("flock", "-n", prefix + "-1.lock", "true").start();
        assertEquals(1, outside.waitFor());
        VmSlots.Slot b = slots.acquire("test"); // slot 2 is free
        a.close();
        VmSlots.Slot again = slots.tryTake(1);
        assertNotNull(again, "slot 1 is free after close");
        // both taken: acquire waits until one is released
        CompletableFuture<VmSlots.Slot> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return slots.acquire("waiter");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500);
        assertEquals(false, waiting.isDone());
        b.close();
        VmSlots.Slot c = waiting.get(10, TimeUnit.SECONDS);
        c.close();
        again.close();
        new VmSlots(prefix, 0, s -> { }).acquire("no slots").close(); // 0: nothing taken
    }
}
