package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The resurrector's tree writers: how many, and results in the trees' order whatever thread wrote them. */
class TreeWritersTest {
    @Test
    void jobsAreBoundedByTheTrees() {
        assertEquals(1, Resurrector.jobs(4, 1));
        assertEquals(3, Resurrector.jobs(3, 9));
        assertEquals(1, Resurrector.jobs(1, 9));
        assertEquals(1, Resurrector.jobs(0, 0)); // nothing to write: still a sane count
        assertEquals(Math.min(Runtime.getRuntime().availableProcessors(), 9), Resurrector.jobs(0, 9));
    }

    @Test
    void resultsKeepTheItemsOrderAndEveryItemIsDoneOnce() {
        List<Integer> items = IntStream.range(0, 50).boxed().toList();
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        List<String> out = Resurrector.inParallel(items, 3, "test", i -> {
            assertTrue(seen.add(i), "item " + i + " done twice");
            threads.add(Thread.currentThread().getName());
            if (i % 7 == 0) {
                sleep(); // uneven work: later items finish first
            }
            return "tree " + i;
        });
        assertEquals(items.stream().map(i -> "tree " + i).toList(), out);
        assertEquals(50, seen.size());
        assertTrue(threads.size() >= 2, "work spread over " + threads);
    }

    @Test
    void twoWritersRunAtOnce() {
        CountDownLatch both = new CountDownLatch(2);
        List<Boolean> met = Resurrector.inParallel(List.of(1, 2), 2, "test", i -> {
            both.countDown();
            try {
                return both.await(10, TimeUnit.SECONDS); // only true if the other item runs meanwhile
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(List.of(true, true), met);
    }

    @Test
    void oneJobRunsInOrderOnTheCallersThread() {
        Thread caller = Thread.currentThread();
        StringBuilder order = new StringBuilder();
        Resurrector.inParallel(List.of(1, 2, 3), 1, "test", i -> {
            assertSame(caller, Thread.currentThread());
            order.append(i);
            return i;
        });
        assertEquals("123", order.toString());
    }

    @Test
    void anUnexpectedFailureReachesTheCaller() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Resurrector.inParallel(List.of(1, 2, 3, 4), 2, "test", i -> {
                    if (i == 3) {
                        throw new IllegalStateException("tree 3 broke");
                    }
                    return i;
                }));
        assertEquals("tree 3 broke", e.getMessage());
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
