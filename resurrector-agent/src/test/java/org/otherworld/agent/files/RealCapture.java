package org.otherworld.agent.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.otherworld.agent.json.Json;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.ListWalk;
import org.otherworld.agent.live.CaptureStore;

/** Test helper: real captures from the {@link CaptureStore}, opened once. */
final class RealCapture {
    private static final Map<Path, RealCapture> OPEN = new LinkedHashMap<>();

    final Path dir;
    final DeadKernel kernel;
    final FilesContext ctx;
    final Map<String, Object> groundTruth;

    private RealCapture(Path dir) throws IOException {
        this.dir = dir;
        this.kernel = DeadKernel.open(dir.resolve("vmcore"));
        this.ctx = FilesContext.of(kernel);
        Path gt = dir.resolve("groundtruth.json");
        @SuppressWarnings("unchecked")
        Map<String, Object> g = Files.exists(gt) ? (Map<String, Object>) Json.parse(Files.readString(gt)) : Map.of();
        this.groundTruth = g;
    }

    /** Directories holding a complete capture. */
    static List<Path> available() {
        return CaptureStore.available();
    }

    static synchronized RealCapture open(Path dir) throws IOException {
        RealCapture c = OPEN.get(dir);
        if (c == null) {
            c = new RealCapture(dir);
            OPEN.put(dir, c);
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> processes() {
        Object p = groundTruth.get("processes");
        return p == null ? List.of() : (List<Map<String, Object>>) p;
    }

    /** All tasks (thread-group leaders) by walking init_task.tasks (test code only). */
    List<KObject> tasks() {
        long init = kernel.symbols().address("init_task");
        ListWalk w = kernel.lists().walk(init + kernel.types().struct("task_struct").member("tasks").offset(),
                "task_struct", "tasks", 100_000);
        List<KObject> out = new ArrayList<>();
        out.add(kernel.object("task_struct", init));
        out.addAll(w.entries());
        return out;
    }

    KObject task(long pid) {
        for (KObject t : tasks()) {
            if (t.read("pid") == pid) {
                return t;
            }
        }
        return null;
    }
}
