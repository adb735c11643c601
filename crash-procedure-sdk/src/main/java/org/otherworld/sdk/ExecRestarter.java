package org.otherworld.sdk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Restarts the process in place: same PID, same executable and command line, all descriptors
 * >= 3 closed by the exec, and {@code OTHERWORLD_RESTARTED=<report path>} in the environment.
 */
final class ExecRestarter implements Registry.Restarter {
    private static final System.Logger LOG = System.getLogger("org.otherworld.sdk");
    /** Exit status if the exec fails after the state was saved (sysexits.h EX_TEMPFAIL). */
    static final int EXIT_EXEC_FAILED = 75;
    private static final String DELETED_SUFFIX = " (deleted)";

    private final NativeOps ops;

    ExecRestarter(NativeOps ops) {
        this.ops = ops;
    }

    @Override
    public void restart(Path report, ResurrectionReport r) {
        try {
            ProcessIdentity id = ProcessIdentity.current();
            String exe = executable(id);
            List<String> env = environment(System.getenv(), report);
            System.out.flush();
            System.err.flush();
            ops.markCloseOnExecFrom3();
            ops.execve(exe, id.cmdline(), env);
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.ERROR, "otherworld restart failed (" + e.getMessage()
                    + "); state was saved, exiting with status " + EXIT_EXEC_FAILED);
            System.exit(EXIT_EXEC_FAILED);
        }
    }

    static String executable(ProcessIdentity id) {
        String exe = id.exe();
        if (!exe.isEmpty() && !exe.endsWith(DELETED_SUFFIX)) {
            return exe;
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static List<String> environment(Map<String, String> current, Path report) {
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : current.entrySet()) {
            if (!e.getKey().equals(SdkConfig.ENV_RESTARTED)) {
                env.add(e.getKey() + "=" + e.getValue());
            }
        }
        env.add(SdkConfig.ENV_RESTARTED + "=" + report.toAbsolutePath());
        return env;
    }
}
