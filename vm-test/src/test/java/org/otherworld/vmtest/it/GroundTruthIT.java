package org.otherworld.vmtest.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.otherworld.agent.files.DirtyPages;
import org.otherworld.agent.files.FilesContext;
import org.otherworld.agent.json.Json;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.live.CaptureStore;
import org.otherworld.agent.task.GroundTruthCheck;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.ProcessReader;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.capture.Capture;
import org.otherworld.vmtest.guest.Files2;
import org.otherworld.vmtest.guest.GuestBuilder;
import org.otherworld.vmtest.guest.GuestImage;
import org.otherworld.vmtest.trial.Fault;
import org.otherworld.vmtest.trial.Workload;

/**
 * The acceptance test of the vmcore readers: a real guest running a shell loop, a multi-threaded C
 * program and a JVM is crashed; everything the agent reads from the vmcore about those processes
 * (ids, state, start time, threads with their syscall state, VMAs, fds with positions and flags, and
 * the SHA-256 of every run of resident pages) must equal what /proc said just before the crash.
 * The capture is made when none exists for the current guest, and kept in the capture store.
 */
class GroundTruthIT {
    /** The file written without sync right before the crash is found dirty, whole and with its content. */
    @SuppressWarnings("unchecked")
    static void checkDirtyFile(DeadKernel k, Map<String, Object> meta) throws Exception {
        Map<String, Object> want = (Map<String, Object>) meta.get("dirty_file");
        DirtyPages dp = new DirtyPages(FilesContext.of(k));
        DirtyPages.Result r = dp.scan();
        DirtyPages.DirtyFile f = r.persistent().stream().filter(x -> want.get("path").equals(x.path())).findFirst()
                .orElseThrow(() -> new AssertionError(want.get("path") + " not among the dirty files "
                        + r.files().stream().map(DirtyPages.DirtyFile::path).toList()));
        assertEquals(((Number) want.get("size")).longValue(), f.size());
        byte[] content = new byte[(int) f.size()];
        for (DirtyPages.DirtyPage p : f.pages()) {
            byte[] b = dp.read(p);
            System.arraycopy(b, 0, content, (int) p.fileOffset(), (int) Math.min(b.length, f.size() - p.fileOffset()));
        }
        assertEquals(f.size() / 4096, f.pages().size(), "every page of the file is dirty");
        assertEquals(want.get("sha256"), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
        System.out.printf("dirty file %s: %d pages found dirty, content equal%n", f.path(), f.pages().size());
    }

    @Test
    void everythingReadFromTheVmcoreEqualsTheGroundTruth() throws Exception {
        Workspace ws = VmAvailability.workspace();
        GuestImage img = new GuestBuilder(ws, System.out::println).build();
        Path dir = CaptureStore.root().resolve("guest-" + img.key());
        if (!CaptureStore.complete(dir)) {
            for (Path old : CaptureStore.available()) {
                if (old.getFileName().toString().startsWith("guest-")) {
                    Files2.deleteTree(old); // captures of older guests
                }
            }
            Files2.deleteTree(dir);
            new Capture(ws, System.out::println).run(new Capture.Options(dir, 1024,
                    System.getenv().getOrDefault("OTHERWORLD_ACCEL", "auto"), Fault.SYSRQ, Workload.demos()));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("capture.json")));
        Map<?, ?> gt = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("groundtruth.json")));
        List<?> expected = (List<?>) gt.get("processes");

        long t0 = System.nanoTime();
        try (DeadKernel k = DeadKernel.open(dir.resolve("vmcore"))) {
            long t1 = System.nanoTime();
            List<ProcessModel> models = new ProcessReader(k).readAll(ProcessReader.Options.all());
            long t2 = System.nanoTime();
            double mb = Files.size(dir.resolve("vmcore")) / 1e6;
            System.out.printf("vmcore %.0f MB: open %d ms, %d processes fully extracted (with page hashes) in %d ms%n",
                    mb, (t1 - t0) / 1_000_000, models.size(), (t2 - t1) / 1_000_000);
            assertEquals(gt.get("kernel"), k.release());
            // every workload the capture started is in the ground truth
            @SuppressWarnings("unchecked")
            Map<String, Object> pids = (Map<String, Object>) meta.get("workloads");
            for (Object pid : pids.values()) {
                assertTrue(expected.stream().anyMatch(p -> ((Map<?, ?>) p).get("pid").equals(pid)), "pid " + pid + " in ground truth");
            }
            List<String> fields = new ArrayList<>(GroundTruthCheck.SCALARS);
            fields.addAll(GroundTruthCheck.LISTS);
            List<String> diffs = GroundTruthCheck.compareAll(expected, models, fields);
            diffs.forEach(d -> System.out.println("DIFF " + d));
            for (Object o : expected) {
                Map<?, ?> p = (Map<?, ?>) o;
                System.out.printf("pid %s %s: %d threads, %d vmas, %d fds, %d page runs compared%n", p.get("pid"),
                        p.get("comm"), ((List<?>) p.get("threads")).size(), ((List<?>) p.get("vmas")).size(),
                        ((List<?>) p.get("fds")).size(), ((List<?>) p.get("pages")).size());
            }
            assertEquals(List.of(), diffs);
            checkDirtyFile(k, meta);
            assertTrue((t2 - t0) / 1e9 < 10, "opening and extracting a 1 GiB capture must take under 10 s");
        }
    }
}
