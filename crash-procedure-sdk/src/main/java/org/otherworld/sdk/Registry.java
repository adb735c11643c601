package org.otherworld.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The state behind {@link CrashProcedures}: registered procedures, policy, save callbacks, the
 * durable registration record, and the handling of a delivered report. One instance per process
 * in production; tests create their own with a temporary state directory and fake native calls.
 */
final class Registry {
    private static final System.Logger LOG = System.getLogger("org.otherworld.sdk");

    /** A registered procedure with its sort keys. */
    private record Entry(CrashProcedure procedure, int priority, long seq) {
    }

    /** Result of handling one report (exposed for tests). */
    record Outcome(Decision decision, List<Decision> perProcedure, boolean procedureRan) {
    }

    /** Replaces the process image after SAVE_AND_RESTART. */
    interface Restarter {
        void restart(Path report, ResurrectionReport r);
    }

    private final SdkConfig config;
    private final NativeOps ops;
    private final Supplier<ProcessIdentity> identitySource;
    private final Clock clock;
    private final List<Entry> entries = new ArrayList<>();
    private final List<SaveCallback> saves = new ArrayList<>();
    private long nextSeq;
    private ResurrectionPolicy explicitPolicy;
    private ProcessIdentity identity;
    private Path recordPath;
    private volatile Duration timeout;
    private volatile boolean kernelInterfaceActive;
    private volatile int lastPrctlResult = -1;
    /** Set when the kernel answered EINVAL: a stock kernel, not asked again until the process is restored. */
    private volatile boolean stockKernel;
    private volatile String deliveryMode = "none";
    private volatile Restarter restarter;

    Registry(SdkConfig config, NativeOps ops, Supplier<ProcessIdentity> identitySource, Clock clock) {
        this.config = config;
        this.ops = ops;
        this.identitySource = identitySource;
        this.clock = clock;
        this.timeout = config.procedureTimeout();
    }

    static Supplier<ProcessIdentity> procSelf() {
        return () -> {
            try {
                return ProcessIdentity.current();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read /proc/self: " + e.getMessage(), e);
            }
        };
    }

    SdkConfig config() {
        return config;
    }

    void setRestarter(Restarter r) {
        this.restarter = r;
    }

    void setDeliveryMode(String mode) {
        this.deliveryMode = mode;
    }

    String deliveryMode() {
        return deliveryMode;
    }

    boolean kernelInterfaceActive() {
        return kernelInterfaceActive;
    }

    /** Result of the last prctl call: 0 ok, an errno, or -1 if never called. */
    int lastPrctlResult() {
        return lastPrctlResult;
    }

    /**
     * Which path holds the registration, one line: {@code prctl (patched kernel) + record},
     * {@code record only: stock kernel (prctl EINVAL)}, {@code record only: prctl disabled ...},
     * {@code record only: prctl failed (...)} or {@code none yet (nothing registered)}.
     */
    String kernelInterfaceStatus() {
        if (!config.usePrctl()) {
            return "record only: prctl disabled (" + SdkConfig.PROP_PRCTL + "=false)";
        }
        if (kernelInterfaceActive) {
            return "prctl (patched kernel) + record";
        }
        if (stockKernel) {
            return "record only: stock kernel (prctl EINVAL)";
        }
        int r = lastPrctlResult;
        if (r == -1) {
            return "none yet (nothing registered)";
        }
        return "record only: prctl failed (" + (r == -2 ? "native call unavailable" : "errno " + r) + ")";
    }

    void setTimeout(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("procedure timeout must be positive: " + d);
        }
        this.timeout = d;
    }

    Duration timeout() {
        return timeout;
    }

    synchronized void register(CrashProcedure p, int priority) {
        if (p == null) {
            throw new NullPointerException("procedure");
        }
        List<Entry> before = new ArrayList<>(entries);
        entries.removeIf(e -> e.procedure() == p);
        entries.add(new Entry(p, priority, nextSeq++));
        persistOrRollback(before, explicitPolicy);
    }

    synchronized boolean unregister(CrashProcedure p) {
        List<Entry> before = new ArrayList<>(entries);
        if (!entries.removeIf(e -> e.procedure() == p)) {
            return false;
        }
        persistOrRollback(before, explicitPolicy);
        return true;
    }

    synchronized void setPolicy(ResurrectionPolicy policy) {
        if (policy == null) {
            throw new NullPointerException("policy");
        }
        ResurrectionPolicy before = explicitPolicy;
        explicitPolicy = policy;
        persistOrRollback(new ArrayList<>(entries), before);
    }

    synchronized ResurrectionPolicy policy() {
        return explicitPolicy != null ? explicitPolicy : ResurrectionPolicy.RESURRECT_WITH_PROCEDURE;
    }

    synchronized int procedureCount() {
        return entries.size();
    }

    synchronized void addSaveCallback(SaveCallback c) {
        if (c == null) {
            throw new NullPointerException("callback");
        }
        saves.add(c);
    }

    synchronized boolean removeSaveCallback(SaveCallback c) {
        return saves.remove(c);
    }

    /** Procedures in run order: higher priority first, equal priorities in registration order. */
    synchronized List<CrashProcedure> orderedProcedures() {
        return entries.stream()
                .sorted(Comparator.comparingInt(Entry::priority).reversed().thenComparingLong(Entry::seq))
                .map(Entry::procedure).toList();
    }

    /** Path of the current registration record (whether or not it exists). */
    synchronized Path recordPath() {
        ProcessIdentity id = identity();
        return config.registrationsDir().resolve(RegistrationRecord.fileName(id.pid(), id.startTime()));
    }

    private ProcessIdentity identity() {
        if (identity == null) {
            identity = identitySource.get();
        }
        return identity;
    }

    private void persistOrRollback(List<Entry> beforeEntries, ResurrectionPolicy beforePolicy) {
        try {
            persist();
        } catch (IOException | RuntimeException e) {
            entries.clear();
            entries.addAll(beforeEntries);
            explicitPolicy = beforePolicy;
            String msg = "cannot write otherworld registration record under " + config.registrationsDir()
                    + ": " + e.getMessage();
            throw new UncheckedIOException(msg, e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** Writes or removes the durable record and informs the kernel. */
    private void persist() throws IOException {
        ProcessIdentity id = identity();
        Path target = config.registrationsDir().resolve(RegistrationRecord.fileName(id.pid(), id.startTime()));
        ResurrectionPolicy policy = policy();
        boolean needed = !entries.isEmpty() || policy != ResurrectionPolicy.RESURRECT_WITH_PROCEDURE;
        if (needed) {
            boolean kernel = tellKernel(policy.code(), entries.size());
            DurableFiles.writeAtomically(target, RegistrationRecord.write(id, policy, entries.size(),
                    deliveryMode, kernel, clock.instant()));
        } else {
            DurableFiles.deleteDurably(target);
            tellKernel(0, 0);
        }
        if (recordPath != null && !recordPath.equals(target)) {
            DurableFiles.deleteDurably(recordPath);
        }
        recordPath = needed ? target : null;
    }

    private boolean tellKernel(int code, int count) {
        if (!config.usePrctl() || stockKernel) {
            return false;
        }
        int r;
        try {
            r = ops.prctlSetOtherworld(code, count);
        } catch (LinkageError | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "otherworld prctl unavailable: " + e);
            r = -2;
        }
        lastPrctlResult = r;
        kernelInterfaceActive = r == 0;
        // the SDK only passes valid arguments, so EINVAL means the kernel does not know the option
        stockKernel = r == NativeOps.EINVAL;
        return kernelInterfaceActive;
    }

    /**
     * Re-reads the process identity (after a restore the start time belongs to the new kernel's
     * clock) and moves the record if the key changed.
     */
    synchronized void refreshIdentity() {
        ProcessIdentity fresh = identitySource.get();
        if (identity != null && fresh.pid() == identity.pid() && fresh.startTime() == identity.startTime()) {
            return;
        }
        identity = fresh;
        // restored on a fresh kernel: its mm holds no registration, and the kernel may differ; ask again
        stockKernel = false;
        kernelInterfaceActive = false;
        if (recordPath != null) {
            try {
                persist();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot rewrite registration record: " + e.getMessage());
            }
        }
    }

    /** Removes the record (normal JVM exit: a finished process must not be resurrected). */
    synchronized void removeRecordOnExit() {
        if (recordPath != null) {
            try {
                DurableFiles.deleteDurably(recordPath);
            } catch (IOException e) {
                // best effort during shutdown
            }
            recordPath = null;
        }
    }

    /** Runs the procedures for a report and combines their decisions. */
    Outcome runProcedures(ResurrectionReport report) {
        if (policy() == ResurrectionPolicy.NEVER_RESURRECT) {
            LOG.log(System.Logger.Level.WARNING, "resurrection report received although policy is NEVER_RESURRECT;"
                    + " no procedure runs");
            return new Outcome(Decision.CONTINUE, List.of(), false);
        }
        List<Decision> each = new ArrayList<>();
        Decision combined = Decision.CONTINUE;
        for (CrashProcedure p : orderedProcedures()) {
            Decision d = runBounded(() -> p.onResurrection(report), "crash procedure " + p);
            each.add(d);
            if (d == Decision.SAVE_AND_RESTART) {
                combined = Decision.SAVE_AND_RESTART;
            }
        }
        return new Outcome(combined, List.copyOf(each), !each.isEmpty());
    }

    /** Runs the save callbacks in registration order; returns how many succeeded. */
    int runSaves(ResurrectionReport report) {
        List<SaveCallback> copy;
        synchronized (this) {
            copy = List.copyOf(saves);
        }
        int ok = 0;
        for (SaveCallback c : copy) {
            Decision d = runBounded(() -> {
                c.save(report);
                return Decision.CONTINUE;
            }, "save callback " + c);
            if (d == Decision.CONTINUE) {
                ok++;
            }
        }
        return ok;
    }

    /** Runs a task on its own daemon thread; failure, null or timeout give SAVE_AND_RESTART. */
    private Decision runBounded(java.util.concurrent.Callable<Decision> task, String what) {
        FutureTask<Decision> f = new FutureTask<>(task);
        Thread t = new Thread(f, "otherworld-procedure");
        t.setDaemon(true);
        t.start();
        try {
            Decision d = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (d == null) {
                LOG.log(System.Logger.Level.WARNING, what + " returned null; treated as SAVE_AND_RESTART");
                return Decision.SAVE_AND_RESTART;
            }
            return d;
        } catch (TimeoutException e) {
            f.cancel(true);
            LOG.log(System.Logger.Level.WARNING, what + " timed out after " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, what + " failed: " + e.getCause());
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
        }
        return Decision.SAVE_AND_RESTART;
    }

    /**
     * Handles a report file: parse, run procedures, archive the file as {@code .done} (or
     * {@code .bad} if unreadable), and restart if asked.
     *
     * @return the outcome, or null if the file was unreadable
     */
    Outcome deliver(Path reportFile) {
        ResurrectionReport report;
        try {
            report = ReportFormat.parse(Files.readString(reportFile, StandardCharsets.UTF_8), reportFile.toString());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "unreadable resurrection report: " + e.getMessage());
            archive(reportFile, ".bad");
            return null;
        }
        try {
            refreshIdentity();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot refresh process identity: " + e.getMessage());
        }
        Outcome out = runProcedures(report);
        recordDecision(reportFile, out);
        Path done = archive(reportFile, ".done");
        if (out.decision() == Decision.SAVE_AND_RESTART) {
            runSaves(report);
            Restarter r = restarter;
            if (r != null) {
                r.restart(done != null ? done : reportFile, report);
            }
        }
        return out;
    }

    /**
     * Leaves {@code reports/<pid>.decision} beside the report: what this process decided, for the
     * operator and the VM harness ("decision=SAVE_AND_RESTART", "procedures=N", one per line). It is
     * written before a restart replaces the process image.
     */
    private static void recordDecision(Path reportFile, Outcome out) {
        String name = reportFile.getFileName().toString().replaceAll("\\.report$", "") + ".decision";
        StringBuilder sb = new StringBuilder("decision=" + out.decision() + "\nprocedures=" + out.perProcedure().size() + "\n");
        for (Decision d : out.perProcedure()) {
            sb.append("procedure=").append(d).append('\n');
        }
        try {
            DurableFiles.writeAtomically(reportFile.resolveSibling(name), sb.toString());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot record the decision: " + e.getMessage());
        }
    }

    private static Path archive(Path reportFile, String suffix) {
        Path to = reportFile.resolveSibling(reportFile.getFileName() + suffix);
        try {
            DurableFiles.renameDurably(reportFile, to);
            return to;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot rename " + reportFile + ": " + e.getMessage());
            try {
                Files.deleteIfExists(reportFile);
            } catch (IOException ignored) {
                // nothing more to do
            }
            return null;
        }
    }
}
