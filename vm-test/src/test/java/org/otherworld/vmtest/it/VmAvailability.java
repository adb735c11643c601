package org.otherworld.vmtest.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.otherworld.vmtest.Workspace;

/**
 * Whether this machine can run VM tests; when it cannot, tests are skipped with the reason printed,
 * never silently. Set OTHERWORLD_SKIP_VM=1 to skip them on purpose.
 */
public final class VmAvailability {
    private VmAvailability() {
    }

    /** Why VM tests cannot run here (null if they can); {@code extraTools} are further programs needed. */
    public static String whyNot(String... extraTools) {
        List<String> why = new ArrayList<>();
        if ("1".equals(System.getenv("OTHERWORLD_SKIP_VM"))) {
            why.add("OTHERWORLD_SKIP_VM=1");
        }
        List<String> tools = new ArrayList<>(List.of("/usr/bin/qemu-system-x86_64", "/usr/sbin/criu", "/sbin/kexec",
                "/bin/busybox", "/usr/sbin/mke2fs", "/usr/sbin/debugfs", "/usr/bin/apt-get"));
        tools.addAll(List.of(extraTools));
        for (String tool : tools) {
            if (!Files.isExecutable(Path.of(tool))) {
                why.add(tool + " is missing (./otherworld setup installs it)");
            }
        }
        return why.isEmpty() ? null : String.join("; ", why);
    }

    /** The workspace, or the test is skipped (with the reason printed) when VMs cannot run here. */
    public static Workspace workspace(String... extraTools) {
        String why = whyNot(extraTools);
        if (why != null) {
            System.err.println("SKIPPED VM test: " + why);
        }
        Assumptions.assumeTrue(why == null, () -> "VM tests skipped: " + why);
        Workspace ws = Workspace.detect();
        for (Path jar : List.of(ws.home().resolve("resurrector-agent/target/otherworld-agent.jar"),
                ws.home().resolve("demo-apps/target/otherworld-demos.jar"))) {
            Assumptions.assumeTrue(Files.isRegularFile(jar), () -> "VM tests need " + jar + " (run mvn package or mvn verify)");
        }
        return ws;
    }
}
