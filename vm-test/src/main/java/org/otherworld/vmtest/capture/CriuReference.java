package org.otherworld.vmtest.capture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.otherworld.agent.json.Json;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.guest.GuestBuilder;
import org.otherworld.vmtest.guest.GuestImage;
import org.otherworld.vmtest.trial.Workload;
import org.otherworld.vmtest.trial.WorkloadRunner;
import org.otherworld.vmtest.vm.Accelerator;
import org.otherworld.vmtest.vm.DataDisk;
import org.otherworld.vmtest.vm.Guest;
import org.otherworld.vmtest.vm.SerialConsole;
import org.otherworld.vmtest.vm.Timeline;

/**
 * Reference images: the distribution's own {@code criu dump} of the same workloads on a live guest
 * kernel, copied out to {@code OUT/NAME/}. What CRIU itself writes for these processes is the yardstick
 * for the images the agent writes from a vmcore, and the dump time is the "checkpointing user pays"
 * baseline.
 */
public final class CriuReference {
    private final Workspace ws;
    private final Consumer<String> log;

    public CriuReference(Workspace ws, Consumer<String> log) {
        this.ws = ws;
        this.log = log;
    }

    public Map<String, Object> run(Path out, int memoryMiB, String accelChoice, List<Workload> workloads) {
        GuestImage img = new GuestBuilder(ws, log).build();
        Timeline tl = new Timeline();
        Map<String, Object> result = new LinkedHashMap<>();
        Guest.Options go = new Guest.Options(memoryMiB, 2, "resurrect", Workload.dataFiles(workloads), 0, null);
        try (Guest g = new Guest(img, out, go, tl, log)) {
            Accelerator accel = Accelerator.choose(accelChoice, g.spec(), ws.cache(), out, log);
            g.boot(accel);
            SerialConsole c = g.console();
            Map<String, Integer> pids = new WorkloadRunner(c, log).start(workloads);
            WorkloadRunner.sleep(2000);
            for (Map.Entry<String, Integer> e : pids.entrySet()) {
                String dir = "/data/criu/" + e.getKey();
                long t0 = System.nanoTime();
                SerialConsole.CommandResult r = c.run("mkdir -p " + dir + " && criu dump -t " + e.getValue() + " -D " + dir
                        + " --shell-job --leave-running -v4 -o dump.log && echo dumped", Duration.ofSeconds(300));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String size = c.run("du -sk " + dir + " | cut -f1", Duration.ofSeconds(30)).output().strip();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("pid", (long) e.getValue());
                m.put("exit", (long) r.exit());
                m.put("dump_ms_host", ms);
                m.put("images_kib", size);
                if (r.exit() != 0) {
                    m.put("error", c.run("tail -n 5 " + dir + "/dump.log", Duration.ofSeconds(30)).output());
                }
                log.accept("criu dump " + e.getKey() + ": exit " + r.exit() + " in " + ms + " ms, " + size + " KiB");
                result.put(e.getKey(), m);
            }
            g.shutdown(Duration.ofSeconds(60));
            DataDisk.readTree(g.dataDisk(), "/criu", out);
            Files.deleteIfExists(g.dataDisk());
            Files.writeString(out.resolve("criu-reference.json"), Json.write(result));
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
