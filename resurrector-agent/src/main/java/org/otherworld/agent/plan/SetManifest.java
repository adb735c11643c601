package org.otherworld.agent.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Otherworld file next to CRIU's images in each image set, {@code otherworld-set.json}: what the
 * restorer needs besides the images (restore order, the criu flags, and what each process's crash
 * procedure must be told). CRIU ignores files it does not know.
 */
public final class SetManifest {
    /** File name inside the set directory. */
    public static final String FILE = "otherworld-set.json";

    private SetManifest() {
    }

    /**
     * The manifest of a written tree as a JSON-ready map.
     *
     * @param crashTime  panic time (ISO-8601 instant) or null
     * @param panic      panic message or ""
     */
    public static Map<String, Object> of(ResurrectionPlan tree, List<ProcessPlan> written, String crashTime,
                                         String panic) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", 1L);
        m.put("root", (long) tree.rootPid());
        m.put("parent", (long) tree.parentPid());
        m.put("root_start_ticks", written.get(0).model().startTimeTicks());
        m.put("shell_job", tree.shellJob());
        m.put("crash_time", crashTime);
        m.put("panic", panic);
        List<Object> ps = new ArrayList<>();
        long maxId = 0;
        for (ProcessPlan p : written) {
            maxId = Math.max(maxId, p.pid());
            for (var t : p.model().threads()) {
                maxId = Math.max(maxId, t.tid());
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("pid", (long) p.pid());
            e.put("ppid", (long) p.model().ppid());
            e.put("comm", p.model().comm());
            e.put("crash_procedure", p.crashProcedure());
            e.put("registered", p.registration() != null);
            e.put("delivery", p.registration() == null ? null : p.registration().delivery());
            e.put("registration_source", p.registration() == null ? null : p.registration().sourceKind());
            e.put("faulty", p.faulty());
            e.put("unrestored", unrestoredJson(p.unrestored()));
            ps.add(e);
        }
        m.put("processes", ps);
        // the highest pid/tid the set needs: restore keeps fresh pids above it (see Restorer)
        m.put("max_id", maxId);
        return m;
    }

    /** Unrestored resources as JSON objects {fd, kind, description, reason}. */
    public static List<Object> unrestoredJson(List<UnrestoredResource> list) {
        List<Object> out = new ArrayList<>();
        for (UnrestoredResource u : list) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("fd", (long) u.fd());
            e.put("kind", u.kind());
            e.put("description", u.description());
            e.put("reason", u.reason());
            out.add(e);
        }
        return out;
    }
}
