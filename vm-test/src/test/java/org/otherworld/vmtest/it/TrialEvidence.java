package org.otherworld.vmtest.it;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a failed VM trial in the suite leaves behind: its directory under {@code target/} (report.json,
 * agent-report.json, console.log, kept workload output and JVM error reports), and for every workload
 * that was not resurrected or failed its check, one line in the test output with the agent's decision
 * and what it found unrestored (CI shows only the output).
 */
final class TrialEvidence {
    private TrialEvidence() {
    }

    /** A directory under target/ that stays after the test, named after the test and the time. */
    static Path dir(String test) {
        return Path.of("target", test + "-" + System.currentTimeMillis()).toAbsolutePath();
    }

    /** Prints the failed workloads of {@code report} (see the class comment). */
    @SuppressWarnings("unchecked")
    static void printFailures(Path out, Map<String, Object> report) {
        if ("pass".equals(report.get("verdict"))) {
            return;
        }
        System.out.println("failed trial kept in " + out + "; notes " + report.get("notes"));
        for (Object o : (List<Object>) report.get("processes")) {
            Map<String, Object> p = (Map<String, Object>) o;
            if (!Boolean.TRUE.equals(p.get("resurrected")) || !"pass".equals(p.get("state_check"))) {
                System.out.println("  " + p.get("name") + ": resurrected " + p.get("resurrected") + ", agent "
                        + p.get("agent_decision") + ", unrestored " + p.get("unrestored") + ", check "
                        + p.get("state_check") + ": " + p.get("detail"));
            }
        }
    }
}
