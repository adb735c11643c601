package org.otherworld.sdk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Entry point of the Otherworld crash-procedure SDK.
 *
 * <p>An application registers one or more {@link CrashProcedure}s. The SDK then keeps a durable
 * registration record under the state directory (default {@code /var/lib/otherworld}, overridden
 * by system property {@code otherworld.state.dir} or environment {@code OTHERWORLD_STATE_DIR})
 * which the resurrector agent reads after a kernel crash. When the process has been resurrected,
 * the restorer writes a report and sends SIGPWR; the SDK runs the procedures on a dedicated
 * thread, combines their decisions and either continues or saves and restarts the process in
 * place.
 *
 * <p>Ordering: procedures run by <em>descending</em> priority (higher numbers first); equal
 * priorities run in registration order. The default priority is 0.
 *
 * <pre>{@code
 * CrashProcedures.onSave(report -> store.saveTo(dataDir));
 * CrashProcedures.register(report -> report.fullyRestored() ? Decision.CONTINUE : Decision.SAVE_AND_RESTART);
 * if (CrashProcedures.restartedAfterCrash()) { store.loadFrom(dataDir); }
 * }</pre>
 *
 * <p>All methods are thread-safe. See {@code docs/sdk.md} for the full contract.
 */
public final class CrashProcedures {
    private static final System.Logger LOG = System.getLogger("org.otherworld.sdk");
    private static Registry registry;
    private static ReportDelivery delivery;
    private static volatile Optional<ResurrectionReport> restartReport;

    private CrashProcedures() {
    }

    private static synchronized Registry registry() {
        if (registry == null) {
            JnaNativeOps ops = new JnaNativeOps();
            Registry r = new Registry(SdkConfig.fromEnvironment(), ops, Registry.procSelf(), Clock.systemUTC());
            r.setRestarter(new ExecRestarter(ops));
            ReportDelivery d = new ReportDelivery(r, ProcessHandle.current().pid());
            d.start();
            Runtime.getRuntime().addShutdownHook(new Thread(r::removeRecordOnExit, "otherworld-unregister"));
            registry = r;
            delivery = d;
        }
        return registry;
    }

    /**
     * Registers a procedure with priority 0. Registering the same instance again replaces its
     * priority and moves it to the end of its priority group.
     *
     * @param procedure the procedure
     * @throws java.io.UncheckedIOException if the registration record cannot be written (then
     *                                      nothing changes)
     */
    public static void register(CrashProcedure procedure) {
        register(procedure, 0);
    }

    /**
     * Registers a procedure; higher priorities run first.
     *
     * @param procedure the procedure
     * @param priority  its priority (higher runs earlier)
     * @throws java.io.UncheckedIOException if the registration record cannot be written
     */
    public static void register(CrashProcedure procedure, int priority) {
        registry().register(procedure, priority);
    }

    /**
     * Removes a procedure. When the last one goes and the policy is the default, the registration
     * record is deleted.
     *
     * @param procedure the procedure
     * @return whether it was registered
     */
    public static boolean unregister(CrashProcedure procedure) {
        return registry().unregister(procedure);
    }

    /**
     * Sets the resurrection policy and rewrites the registration record.
     *
     * @param policy the policy
     */
    public static void setPolicy(ResurrectionPolicy policy) {
        registry().setPolicy(policy);
    }

    /**
     * The effective policy ({@link ResurrectionPolicy#RESURRECT_WITH_PROCEDURE} unless set).
     *
     * @return the policy
     */
    public static ResurrectionPolicy policy() {
        return registry().policy();
    }

    /**
     * Adds a callback that saves state before a {@link Decision#SAVE_AND_RESTART} restart.
     *
     * @param callback the callback
     */
    public static void onSave(SaveCallback callback) {
        registry().addSaveCallback(callback);
    }

    /**
     * Removes a save callback.
     *
     * @param callback the callback
     * @return whether it was present
     */
    public static boolean removeSaveCallback(SaveCallback callback) {
        return registry().removeSaveCallback(callback);
    }

    /**
     * Sets the time limit for each procedure and each save callback (default 30 s, or system
     * property {@code otherworld.procedure.timeout.ms}).
     *
     * @param timeout a positive duration
     */
    public static void setProcedureTimeout(Duration timeout) {
        registry().setTimeout(timeout);
    }

    /**
     * Whether this process image was started by the SDK's restart after a resurrection.
     *
     * @return true if the environment variable {@code OTHERWORLD_RESTARTED} is set
     */
    public static boolean restartedAfterCrash() {
        String v = System.getenv(SdkConfig.ENV_RESTARTED);
        return v != null && !v.isEmpty();
    }

    /**
     * The report that caused the restart of this image, if {@link #restartedAfterCrash()} and the
     * report file is still readable.
     *
     * @return the report, or empty
     */
    public static Optional<ResurrectionReport> restartReport() {
        Optional<ResurrectionReport> r = restartReport;
        if (r == null) {
            r = loadRestartReport(System.getenv(SdkConfig.ENV_RESTARTED));
            restartReport = r;
        }
        return r;
    }

    static Optional<ResurrectionReport> loadRestartReport(String path) {
        if (path == null || path.isEmpty()) {
            return Optional.empty();
        }
        try {
            Path p = Path.of(path);
            return Optional.of(ReportFormat.parse(Files.readString(p, StandardCharsets.UTF_8), path));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read restart report " + path + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The state directory in use.
     *
     * @return the directory holding {@code registrations/} and {@code reports/}
     */
    public static Path stateDirectory() {
        return registry().config().stateDir();
    }

    /**
     * Whether the patched kernel accepted {@code prctl(PR_SET_OTHERWORLD)} at the last
     * registration change (false on a stock kernel, where only the record file is used).
     *
     * @return true if the kernel interface is in use
     */
    public static boolean kernelInterfaceActive() {
        return registry().kernelInterfaceActive();
    }

    /**
     * Which path holds this process's registration, as one line for logs and demos:
     * {@code "prctl (patched kernel) + record"} when the kernel accepted {@code PR_SET_OTHERWORLD}
     * (the agent prefers the kernel's copy), {@code "record only: stock kernel (prctl EINVAL)"} on a
     * kernel without the Otherworld patch (the durable record file is the registration), or
     * {@code "record only: prctl disabled ..."}, {@code "record only: prctl failed (...)"},
     * {@code "none yet (nothing registered)"}.
     *
     * @return the status line
     */
    public static String kernelInterfaceStatus() {
        return registry().kernelInterfaceStatus();
    }

    /**
     * Whether reports are delivered by SIGPWR (true) or by polling the reports directory (false).
     *
     * @return true if the signal handler is installed
     */
    public static boolean signalDeliveryActive() {
        registry();
        synchronized (CrashProcedures.class) {
            return delivery.signalInstalled();
        }
    }
}
