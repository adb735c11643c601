package org.otherworld.agent.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.otherworld.agent.json.Json;
import org.otherworld.agent.plan.SetManifest;
import org.otherworld.agent.plan.UnrestoredResource;

/**
 * One image set found in the resurrection directory, with its {@link SetManifest}.
 *
 * @param dir        the set directory (CRIU's images)
 * @param root       the root pid
 * @param parent     the root's parent in the dead kernel
 * @param startTicks the root's start time (clock ticks), for ordering
 * @param shellJob   whether {@code criu restore --shell-job} is needed
 * @param crashTime  panic time (ISO-8601) or null
 * @param panic      panic message or ""
 * @param processes  its processes
 * @param maxId      the highest pid or tid the set needs (0 if the manifest does not say)
 */
public record ImageSetEntry(Path dir, int root, int parent, long startTicks, boolean shellJob, String crashTime,
                            String panic, List<Member> processes, int maxId) {
    /**
     * A process of the set.
     *
     * @param registered     whether it has an SDK registration (then, and only then, it gets a report)
     * @param crashProcedure whether it registered a procedure
     */
    public record Member(int pid, int ppid, String comm, boolean registered, boolean crashProcedure, boolean faulty,
                         List<UnrestoredResource> unrestored) {
    }

    /** Reads the manifest of {@code dir}. @throws IOException if missing or malformed */
    @SuppressWarnings("unchecked")
    public static ImageSetEntry read(Path dir) throws IOException {
        Path f = dir.resolve(SetManifest.FILE);
        try {
            return of(dir, (Map<String, Object>) Json.parse(Files.readString(f)));
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IOException(f + ": malformed manifest: " + e.getMessage());
        }
    }

    /**
     * The set in {@code dir} whose manifest is {@code m} ({@link SetManifest#of}, or its JSON parsed back):
     * the agent passes the manifests it has just written instead of reading them again.
     *
     * @throws ClassCastException if a field has the wrong type
     */
    @SuppressWarnings("unchecked")
    public static ImageSetEntry of(Path dir, Map<String, Object> m) {
        List<Member> members = new ArrayList<>();
        for (Object o : (List<Object>) m.getOrDefault("processes", List.of())) {
            Map<String, Object> p = (Map<String, Object>) o;
            List<UnrestoredResource> un = new ArrayList<>();
            for (Object u : (List<Object>) p.getOrDefault("unrestored", List.of())) {
                Map<String, Object> r = (Map<String, Object>) u;
                un.add(new UnrestoredResource(num(r.get("fd")), str(r.get("kind")), str(r.get("description")),
                        str(r.get("reason"))));
            }
            members.add(new Member(num(p.get("pid")), num(p.get("ppid")), str(p.get("comm")),
                    Boolean.TRUE.equals(p.get("registered")), Boolean.TRUE.equals(p.get("crash_procedure")),
                    Boolean.TRUE.equals(p.get("faulty")), un));
        }
        Object ticks = m.get("root_start_ticks");
        return new ImageSetEntry(dir, num(m.get("root")), num(m.get("parent")),
                ticks instanceof Number n ? n.longValue() : 0, Boolean.TRUE.equals(m.get("shell_job")),
                (String) m.get("crash_time"), m.get("panic") == null ? "" : str(m.get("panic")), members,
                Math.max(0, num(m.get("max_id"))));
    }

    private static int num(Object o) {
        return o instanceof Number n ? n.intValue() : -1;
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }

    /** Whether {@code pid} is one of the set's processes. */
    public boolean contains(int pid) {
        return processes.stream().anyMatch(p -> p.pid() == pid);
    }
}
