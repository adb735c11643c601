package org.otherworld.agent.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.otherworld.agent.json.Json;
import org.otherworld.agent.live.LiveSnapshot;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code otherworld} agent command line. */
@Command(name = "otherworld", mixinStandardHelpOptions = true, version = "otherworld 0.1",
        description = "Resurrect user processes across Linux kernel crashes.",
        subcommands = {Main.SnapshotLive.class, Resurrect.class, Restore.class, Inspect.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The commands of the recovery path (the crash kernel's agent, the new kernel's restore tool), built
     * alone when they are the first argument: picocli builds its model of every command and option by
     * reflection before parsing, and for the whole tree that took about 1 s of the agent's 2.4 s JVM
     * start under TCG (guest: {@code java -version} 1.1-1.3 s, {@code --help} 2.1-2.2 s).
     */
    static final Map<String, Supplier<Object>> ALONE = Map.of("resurrect", Resurrect::new, "restore", Restore::new);

    public static void main(String[] args) {
        Supplier<Object> alone = args.length > 0 ? ALONE.get(args[0]) : null;
        if (alone != null) {
            System.exit(handled(new CommandLine(alone.get())).execute(Arrays.copyOfRange(args, 1, args.length)));
        }
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return handled(new CommandLine(new Main()));
    }

    /** {@code cl} with the project's error handling: a bad input is one line and a non-zero exit, never a stack trace. */
    static CommandLine handled(CommandLine cl) {
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println("otherworld " + cmd.getCommandName() + ": " + oneLine(ex));
            return 1;
        });
        return cl;
    }

    static String oneLine(Throwable t) {
        String m = t.getMessage();
        return (m == null || m.isBlank() ? t.getClass().getSimpleName() : m).split("\n")[0];
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** Records live processes as ground truth (used by the VM harness just before a crash). */
    @Command(name = "snapshot-live", description = "Record the state of live processes from /proc as JSON.")
    static final class SnapshotLive implements Callable<Integer> {
        @Option(names = "--groups", split = ",", description = "Process groups to record (all their members).")
        List<Integer> groups = new ArrayList<>();
        @Option(names = "--pids", split = ",", description = "Processes to record.")
        List<Integer> pids = new ArrayList<>();
        @Option(names = "--out", required = true)
        Path out;

        @Override
        public Integer call() throws Exception {
            LiveSnapshot s = new LiveSnapshot(Path.of("/proc"));
            List<Integer> all = new ArrayList<>(pids);
            all.addAll(s.pidsInGroups(Set.copyOf(groups)));
            all.remove((Integer) (int) ProcessHandle.current().pid());
            Map<String, Object> snap = s.snapshot(all.stream().distinct().sorted().collect(Collectors.toList()));
            Files.writeString(out, Json.write(snap));
            return 0;
        }
    }
}
