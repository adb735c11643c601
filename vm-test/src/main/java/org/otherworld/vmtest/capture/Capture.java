package org.otherworld.vmtest.capture;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.otherworld.agent.json.Json;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.guest.GuestBuilder;
import org.otherworld.vmtest.guest.GuestImage;
import org.otherworld.vmtest.guest.GuestKernel;
import org.otherworld.vmtest.trial.Fault;
import org.otherworld.vmtest.trial.Workload;
import org.otherworld.vmtest.trial.WorkloadRunner;
import org.otherworld.vmtest.vm.Accelerator;
import org.otherworld.vmtest.vm.DataDisk;
import org.otherworld.vmtest.vm.Guest;
import org.otherworld.vmtest.vm.Timeline;

/**
 * Capture mode: run workloads, stop them, record their ground truth from /proc, crash the kernel, and
 * from the crash kernel copy /proc/vmcore out. The result directory holds {@code vmcore},
 * {@code groundtruth.json}, {@code capture.json} (metadata) and {@code console.log}: the fixtures the
 * agent's readers are verified against.
 */
public final class Capture {
    /** What to capture. */
    public record Options(Path out, int memoryMiB, String accel, Fault fault, List<Workload> workloads,
                          GuestKernel kernel) {
        public Options {
            kernel = kernel == null ? GuestKernel.STOCK : kernel;
        }

        public Options(Path out, int memoryMiB, String accel, Fault fault, List<Workload> workloads) {
            this(out, memoryMiB, accel, fault, workloads, GuestKernel.STOCK);
        }
    }

    /** A file written right before the crash and never synced: its pages are dirty in the vmcore. */
    public static final String DIRTY_FILE = "/data/capture/dirty.bin";

    private final Workspace ws;
    private final Consumer<String> log;

    public Capture(Workspace ws, Consumer<String> log) {
        this.ws = ws;
        this.log = log;
    }

    public Map<String, Object> run(Options o) {
        Timeline tl = new Timeline();
        GuestImage img = new GuestBuilder(ws, log, o.kernel()).build();
        try {
            Files.createDirectories(o.out());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Path> files = Workload.dataFiles(o.workloads());
        Guest.Options go = new Guest.Options(o.memoryMiB(), 2, "capture", files, o.memoryMiB() + 64, null);
        Path runDir = o.out();
        try (Guest g = new Guest(img, runDir, go, tl, log)) {
            Accelerator accel = Accelerator.choose(o.accel(), g.spec(), ws.cache(), runDir, log);
            log.accept("booting guest (" + accel.label() + ", " + o.memoryMiB() + " MiB)");
            g.boot(accel);
            log.accept(String.format("booted in %.1f s", tl.between("boot-start", "booted") / 1000.0));
            WorkloadRunner wr = new WorkloadRunner(g.console(), log);
            Map<String, Integer> pids = wr.start(o.workloads());
            WorkloadRunner.sleep(2000); // let them reach their steady loop
            StringBuilder groups = new StringBuilder();
            pids.values().forEach(p -> groups.append(' ').append(p));
            log.accept("recording ground truth (workloads stopped)");
            g.console().check("mkdir -p /data/capture && /opt/ow/guest/groundtruth.sh /data/capture/groundtruth.json" + groups,
                    Duration.ofSeconds(300));
            // data written just before the crash, still only in the page cache (no sync after it):
            // the agent must find it among the dirty pages
            String dirty = g.console().check("dd if=/dev/urandom of=" + DIRTY_FILE + " bs=4096 count=8 2>/dev/null && "
                    + "sha256sum " + DIRTY_FILE + " | cut -d' ' -f1", Duration.ofSeconds(60)).strip();
            tl.mark("crash");
            log.accept("crashing the kernel: " + o.fault().label());
            g.console().send(o.fault().command());
            g.console().waitFor("OW-CRASH kernel-up", Duration.ofSeconds(180));
            tl.mark("crash-kernel");
            Matcher done = g.console().waitFor("capture end",
                    Pattern.compile("OW-CRASH (capture-done bytes=(\\d+)|capture-failed.*)"), Duration.ofSeconds(600));
            if (done.group(2) == null) {
                throw new IllegalStateException("the crash kernel could not copy the vmcore: " + done.group());
            }
            long bytes = Long.parseLong(done.group(2));
            tl.mark("captured");
            if (!g.vm().waitExit(Duration.ofSeconds(120))) {
                log.accept("crash kernel did not power off; stopping it");
            }
            g.close();
            Path vmcore = o.out().resolve("vmcore");
            Path raw = g.disks().get(1);
            try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
                f.setLength(bytes);
            }
            Files.move(raw, vmcore, StandardCopyOption.REPLACE_EXISTING);
            Path gt = o.out().resolve("groundtruth.json");
            if (!DataDisk.read(g.dataDisk(), "/capture/groundtruth.json", gt)) {
                throw new IllegalStateException("ground truth missing from the data disk");
            }
            Files.delete(g.dataDisk());
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("kernel", img.kernelRelease());
            meta.put("kernel_package", img.kernelPackage());
            meta.put("guest", img.key());
            meta.put("accel", accel.label());
            meta.put("memory_mib", o.memoryMiB());
            meta.put("fault", o.fault().label());
            meta.put("vmcore_bytes", bytes);
            Map<String, Object> wl = new LinkedHashMap<>();
            pids.forEach((k, v) -> wl.put(k, (long) v));
            meta.put("workloads", wl);
            meta.put("dirty_file", Map.of("path", DIRTY_FILE, "size", 8L * 4096, "sha256", dirty));
            meta.put("timeline_ms", tl.events());
            Files.writeString(o.out().resolve("capture.json"), Json.write(meta));
            log.accept(String.format("capture complete: %s (%d MB vmcore)", o.out(), bytes >> 20));
            return meta;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
