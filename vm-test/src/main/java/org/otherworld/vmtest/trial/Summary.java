package org.otherworld.vmtest.trial;

import java.util.List;
import java.util.Map;

/** The human summary of a trial report. */
public final class Summary {
    private Summary() {
    }

    @SuppressWarnings("unchecked")
    public static String text(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder();
        sb.append("Otherworld trial: ").append(String.valueOf(r.get("verdict")).toUpperCase()).append('\n');
        sb.append("  kernel ").append(r.get("kernel")).append(r.get("kernel_build") == null ? "" : " (" + r.get("kernel_build") + ")").append(", accel ").append(r.get("accel"))
                .append(", fault ").append(r.get("fault")).append('\n');
        sb.append("  phases (ms):");
        ((Map<String, Object>) r.get("phases_ms")).forEach((k, v) -> sb.append(' ').append(k).append('=')
                .append(v == null ? "not observed" : v));
        sb.append('\n');
        for (Object o : (List<Object>) r.get("processes")) {
            Map<String, Object> p = (Map<String, Object>) o;
            sb.append(String.format("  %-14s pid %-6s resurrected=%-5s check=%-4s %s%n", p.get("name"), p.get("pid"),
                    p.get("resurrected"), p.get("state_check"), String.valueOf(p.get("detail")).split("\n")[0]));
            if (p.get("fpu") instanceof Map<?, ?> f) {
                sb.append(String.format("  %-14s kernel %s (%s), agent FPU provenance: %s, pattern: %s; as expected: %s%n", "",
                        f.get("kernel"), f.get("kernel_build"), f.get("agent_fpu"), f.get("pattern"), f.get("expected")));
            }
        }
        for (Object m : (List<Object>) r.get("missing_phases")) {
            sb.append("  missing phase: ").append(m).append('\n');
        }
        for (Object n : (List<Object>) r.get("notes")) {
            sb.append("  note: ").append(n).append('\n');
        }
        return sb.toString();
    }
}
