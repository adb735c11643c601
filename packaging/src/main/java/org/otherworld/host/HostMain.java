package org.otherworld.host;

import java.util.concurrent.Callable;
import org.otherworld.agent.cli.Main;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code otherworld} as installed by the Debian package (docs/install.md). */
@Command(name = "otherworld", mixinStandardHelpOptions = true, version = "otherworld 0.1",
        description = "Resurrect this host's processes across kernel crashes.",
        subcommands = {HostMain.Arm.class, HostMain.Disarm.class, HostMain.Status.class, HostMain.Check.class,
                HostMain.Restore.class, HostMain.CrashResurrect.class})
public final class HostMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new HostMain());
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            String m = ex.getMessage();
            cmd.getErr().println("otherworld " + cmd.getCommandName() + ": "
                    + (m == null ? ex.getClass().getSimpleName() : m.split("\n")[0]));
            return 1;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    static Operations ops() {
        return new Operations(Host.system(), System.out, a -> Main.commandLine().execute(a.toArray(new String[0])));
    }

    @Command(name = "arm", description = "Check this host and load the crash kernel (kexec -s -p).")
    static final class Arm implements Callable<Integer> {
        @Option(names = "--force", description = "Replace a crash kernel loaded by another tool (kdump-tools).")
        boolean force;
        @Option(names = "--dry-run", description = "Check and print what would be recorded and loaded.")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            return ops().arm(force, dryRun);
        }
    }

    @Command(name = "disarm", description = "Unload the crash kernel.")
    static final class Disarm implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return ops().disarm();
        }
    }

    @Command(name = "status", description = "Armed state, kernel, reservation, crash procedures, last resurrection.")
    static final class Status implements Callable<Integer> {
        @Override
        public Integer call() {
            return ops().status(Config.load(Host.system()));
        }
    }

    @Command(name = "check", description = "Only the checks arm makes (and the configuration file).")
    static final class Check implements Callable<Integer> {
        @Override
        public Integer call() {
            Config.load(Host.system());
            return ops().check(false);
        }
    }

    @Command(name = "restore", description = "After a hand-over: restore the resurrected processes (run by "
            + "otherworld-restore.service).")
    static final class Restore implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return ops().restore(Config.load(Host.system()));
        }
    }

    @Command(name = "crash-resurrect", description = "In the crash kernel: run the agent as configured (run by "
            + "crash-init).")
    static final class CrashResurrect implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            Config cfg;
            try {
                cfg = Config.load(Host.system());
            } catch (IllegalArgumentException e) {
                // a broken configuration must not lose the crash: resurrect with the defaults
                System.out.println("crash-resurrect: " + e.getMessage() + "; using the defaults");
                cfg = Config.defaults();
            }
            return ops().crashResurrect(cfg);
        }
    }
}
