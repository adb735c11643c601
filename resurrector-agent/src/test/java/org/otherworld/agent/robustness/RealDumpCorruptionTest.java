package org.otherworld.agent.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.ListWalk;
import org.otherworld.agent.mm.MapleLayout;
import org.otherworld.agent.task.GroundTruthCheck;
import org.otherworld.agent.task.ProcessJson;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.ProcessReader;
import org.otherworld.agent.task.ThreadModel;

/**
 * Targeted corruptions of one process's kernel structures in a real capture (through
 * {@link CorruptingMemory}, the dump itself is never changed): each run must end within
 * {@link #BOUND}, list the corrupted process with an error naming the broken part, and read every
 * other process exactly as without the corruption. Skipped when no capture is available.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealDumpCorruptionTest {
    static final Duration BOUND = Duration.ofSeconds(20);
    /** Everything but the page digests (those are covered by the task package's capture test). */
    static final ProcessReader.Options OPTS = new ProcessReader.Options(false, true, true, true);
    static final List<String> FIELDS = List.of("pid", "ppid", "pgid", "sid", "comm", "state", "start_time",
            "threads", "vmas", "fds");
    /** A user-half, non-canonical-looking garbage pointer. */
    static final long GARBAGE = 0x4141_4141_4141_4140L;

    RealDump dump;
    List<ProcessModel> baseline;

    @BeforeAll
    void open() throws IOException {
        dump = RealDump.openOrSkip();
        long t0 = System.nanoTime();
        baseline = new ProcessReader(dump.kernel).readAll(OPTS);
        System.out.printf("robustness: baseline of %s: %d processes in %d ms%n", dump.dir, baseline.size(),
                (System.nanoTime() - t0) / 1_000_000);
        for (int pid : dump.groundTruthPids) {
            ProcessModel m = model(baseline, pid);
            assertNotNull(m, "ground-truth pid " + pid + " not read from the uncorrupted dump");
            assertTrue(m.errors().isEmpty(), "pid " + pid + " has errors without corruption: " + m.error());
        }
    }

    @AfterAll
    void close() throws IOException {
        if (dump != null) {
            dump.close();
        }
    }

    @BeforeEach
    void clean() {
        if (dump != null) {
            dump.memory.clear();
        }
    }

    static ProcessModel model(List<ProcessModel> ms, int pid) {
        return ms.stream().filter(m -> m.pid() == pid).findFirst().orElse(null);
    }

    ProcessModel base(int pid) {
        return model(baseline, pid);
    }

    /** A ground-truth pid with at least {@code minThreads} threads. */
    int pidWithThreads(int minThreads) {
        for (int pid : dump.groundTruthPids) {
            if (base(pid).threads().size() >= minThreads) {
                return pid;
            }
        }
        throw new AssertionError("no ground-truth process with " + minThreads + " threads");
    }

    /** A single-threaded ground-truth pid with open files. */
    int simplePid() {
        for (int pid : dump.groundTruthPids) {
            ProcessModel m = base(pid);
            if (m.threads().size() == 1 && m.files() != null && !m.files().isEmpty()) {
                return pid;
            }
        }
        throw new AssertionError("no single-threaded ground-truth process with files");
    }

    List<ProcessModel> readAllBounded() {
        List<ProcessModel> out = assertTimeoutPreemptively(BOUND, () -> new ProcessReader(dump.kernel).readAll(OPTS));
        Runtime rt = Runtime.getRuntime();
        long usedMb = (rt.totalMemory() - rt.freeMemory()) >> 20;
        assertTrue(usedMb < 1024, "heap use grew to " + usedMb + " MB");
        for (ProcessModel m : out) {
            ProcessJson.groundTruth(m); // every model, even a broken one, must render
            ProcessJson.detail(m);
        }
        return out;
    }

    /** Every process but {@code corrupted} is read exactly as in the baseline. */
    void assertOthersUnchanged(List<ProcessModel> now, int corrupted) {
        for (ProcessModel b : baseline) {
            if (b.pid() == corrupted) {
                continue;
            }
            ProcessModel n = model(now, b.pid());
            assertNotNull(n, "pid " + b.pid() + " is no longer listed");
            List<String> d = GroundTruthCheck.compare(ProcessJson.groundTruth(b), ProcessJson.groundTruth(n), FIELDS);
            assertTrue(d.isEmpty(), "pid " + b.pid() + " changed: " + d);
            assertEquals(b.errors(), n.errors(), "pid " + b.pid() + " errors changed");
        }
    }

    /** The corrupted process is listed and one of its errors starts with {@code part} and contains {@code word}. */
    ProcessModel assertBroken(List<ProcessModel> now, int pid, String part, String word) {
        ProcessModel m = model(now, pid);
        assertNotNull(m, "corrupted pid " + pid + " is not listed");
        System.out.println("robustness: pid " + pid + " errors: " + m.errors());
        assertTrue(m.errors().stream().anyMatch(e -> e.startsWith(part + ":") && e.contains(word)),
                "pid " + pid + ": no '" + part + ": ...' error mentioning '" + word + "': " + m.errors());
        return m;
    }

    long task(int pid) {
        return base(pid).task();
    }

    @Test
    void mmPointerGarbage() {
        int pid = simplePid();
        dump.putU64(task(pid) + dump.off("task_struct", "mm"), GARBAGE);
        List<ProcessModel> now = readAllBounded();
        ProcessModel m = assertBroken(now, pid, "mm", "0x41414141414142"); // the address read: garbage + offset
        assertTrue(m.vmas().isEmpty());
        assertEquals(base(pid).comm(), m.comm());
        assertOthersUnchanged(now, pid);
    }

    @Test
    void signalPointerNull() {
        int pid = pidWithThreads(2);
        dump.putU64(task(pid) + dump.off("task_struct", "signal"), 0);
        List<ProcessModel> now = readAllBounded();
        ProcessModel m = assertBroken(now, pid, "pgid/sid", "signal");
        assertEquals(base(pid).vmas(), m.vmas());
        assertOthersUnchanged(now, pid);
    }

    @Test
    void commBytesGarbage() {
        int pid = simplePid();
        byte[] junk = new byte[16];
        Arrays.fill(junk, (byte) 0xff);
        dump.put(task(pid) + dump.off("task_struct", "comm"), junk);
        List<ProcessModel> now = readAllBounded();
        ProcessModel m = model(now, pid);
        assertNotNull(m);
        assertEquals("\u00ff".repeat(16), m.comm()); // undetectable, but bounded and the rest intact
        assertEquals(base(pid).vmas(), m.vmas());
        assertOthersUnchanged(now, pid);
    }

    /** The root node of {@code pid}'s VMA maple tree: {encoded root, node address}. */
    long[] mapleRoot(int pid) {
        long mm = base(pid).mm().address();
        long root = dump.readU64(mm + dump.off("mm_struct", "mm_mt") + dump.off("maple_tree", "ma_root"));
        return new long[] {root, root & ~0xffL};
    }

    @Test
    void mapleNodePivotsOutOfOrder() {
        int pid = pidWithThreads(2);
        long[] r = mapleRoot(pid);
        MapleLayout l = dump.kernel.mapleLayout();
        boolean arange = ((r[0] >>> 3) & 0xf) == 3;
        long piv = r[1] + (arange ? l.arange64PivotOffset() : l.range64PivotOffset());
        long p1 = dump.readU64(piv + 8);
        dump.putU64(piv, p1 + 0x1000); // pivot[0] beyond pivot[1]
        List<ProcessModel> now = readAllBounded();
        ProcessModel m = assertBroken(now, pid, "vmas", "pivot");
        assertEquals(base(pid).threads().size(), m.threads().size());
        assertOthersUnchanged(now, pid);
    }

    @Test
    void mapleSlotPointerGarbage() {
        int pid = pidWithThreads(2);
        long[] r = mapleRoot(pid);
        MapleLayout l = dump.kernel.mapleLayout();
        boolean arange = ((r[0] >>> 3) & 0xf) == 3;
        dump.putU64(r[1] + (arange ? l.arange64SlotOffset() : l.range64SlotOffset()), GARBAGE | 0x1e);
        List<ProcessModel> now = readAllBounded();
        assertBroken(now, pid, "vmas", "maple");
        assertOthersUnchanged(now, pid);
    }

    long fdtable(int pid) {
        long files = dump.readU64(task(pid) + dump.off("task_struct", "files"));
        return dump.readU64(files + dump.off("files_struct", "fdt"));
    }

    @Test
    void fdTableMaxFdsHuge() {
        int pid = simplePid();
        dump.putU32(fdtable(pid) + dump.off("fdtable", "max_fds"), 0x7fff_ffff);
        List<ProcessModel> now = readAllBounded();
        ProcessModel m = assertBroken(now, pid, "files", "max_fds");
        assertEquals(base(pid).vmas(), m.vmas());
        assertOthersUnchanged(now, pid);
    }

    @Test
    void fdArrayPointerGarbage() {
        int pid = simplePid();
        dump.putU64(fdtable(pid) + dump.off("fdtable", "fd"), GARBAGE);
        List<ProcessModel> now = readAllBounded();
        assertBroken(now, pid, "files", "0x4141414141414");
        assertOthersUnchanged(now, pid);
    }

    @Test
    void taskListCycleAfterThirdProcess() {
        ProcessReader r = new ProcessReader(dump.kernel);
        List<KObject> leaders = r.processes().leaders();
        assertTrue(leaders.size() > 3);
        long next = dump.off("list_head", "next");
        long third = leaders.get(2).addressOf("tasks");
        long first = leaders.get(0).addressOf("tasks");
        dump.putU64(third + next, first); // the 3rd user process's successor is the 1st again
        ProcessReader.Listing l = assertTimeoutPreemptively(BOUND, () -> new ProcessReader(dump.kernel).processes());
        System.out.println("robustness: task list: " + l.error());
        assertNotNull(l.error());
        assertTrue(l.error().contains("cycle"), l.error());
        List<ProcessModel> now = readAllBounded();
        assertEquals(3, now.size(), "the processes before the cycle are still read");
        for (ProcessModel n : now) {
            ProcessModel b = base(n.pid());
            assertNotNull(b);
            assertTrue(GroundTruthCheck.compare(ProcessJson.groundTruth(b), ProcessJson.groundTruth(n), FIELDS).isEmpty());
        }
    }

    @Test
    void threadListCycle() {
        int pid = pidWithThreads(4);
        long signal = dump.readU64(task(pid) + dump.off("task_struct", "signal"));
        ListWalk w = dump.kernel.lists().walk(signal + dump.off("signal_struct", "thread_head"), "task_struct",
                "thread_node", 1000);
        assertTrue(w.complete() && w.entries().size() >= 4);
        long tn1 = w.entries().get(1).addressOf("thread_node");
        long tn3 = w.entries().get(3).addressOf("thread_node");
        dump.putU64(tn3 + dump.off("list_head", "next"), tn1); // the 4th thread's successor is the 2nd again
        List<ProcessModel> now = readAllBounded();
        ProcessModel m = assertBroken(now, pid, "threads", "cycle");
        assertFalse(m.threads().isEmpty());
        assertTrue(m.threads().size() < base(pid).threads().size());
        for (ThreadModel t : m.threads()) {
            assertTrue(base(pid).threads().stream().anyMatch(b -> b.tid() == t.tid()));
        }
        assertEquals(base(pid).vmas(), m.vmas());
        assertOthersUnchanged(now, pid);
    }

    @Test
    void uncorruptedOverlayReadsLikeTheBaseline() {
        List<ProcessModel> now = readAllBounded();
        assertEquals(baseline.size(), now.size());
        assertOthersUnchanged(now, -1);
        assertNotEquals(0, baseline.size());
        List<Integer> pids = new ArrayList<>();
        now.forEach(m -> pids.add(m.pid()));
        assertTrue(pids.containsAll(dump.groundTruthPids));
    }
}
