package org.otherworld.agent.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.otherworld.agent.restore.Restorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The fresh main kernel's step: image sets to running processes, crash-procedure reports delivered. */
@Command(name = "restore", description = "In the new main kernel: restore the resurrected process trees with criu "
        + "and deliver crash-procedure reports; writes IMAGES/restore.json.")
final class Restore implements Callable<Integer> {
    @Option(names = "--images", required = true, description = "The resurrection directory written by resurrect.")
    Path images;
    @Option(names = "--state-dir", description = "The SDK state directory (reports/); default: deliver no reports.")
    Path stateDir;
    @Option(names = "--criu", defaultValue = "${env:OTHERWORLD_CRIU:-criu}", description = "criu command "
            + "(default ${DEFAULT-VALUE}).")
    String criu;
    @Option(names = "--kill", defaultValue = "kill", description = "Command sending SIGPWR (default ${DEFAULT-VALUE}).")
    String kill;
    @Option(names = "--timeout", defaultValue = "180", description = "Seconds per image set (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;
    @Option(names = "--pid-cursor", defaultValue = "/proc/sys/kernel/ns_last_pid", description = "The kernel's pid "
            + "allocator cursor, moved past every pid the sets need (default ${DEFAULT-VALUE}).")
    Path pidCursor;
    @Option(names = "--outcomes", description = "The outcomes file of the agent's restore.sh, which already ran criu "
            + "for every set: take its exit codes instead of running criu (reports and restore.json only).")
    Path outcomes;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(images)) {
            System.err.println("otherworld restore: no image directory " + images + "; nothing to restore");
            return 0;
        }
        JvmStart.log("restore", System.err::println);
        Map<String, Object> r = new Restorer(new Restorer.Options(images, stateDir, criu, kill,
                Duration.ofSeconds(timeoutSeconds), pidCursor, outcomes), System.err::println).run();
        return ((Number) r.get("sets_failed")).longValue() == 0 ? 0 : 2;
    }
}
