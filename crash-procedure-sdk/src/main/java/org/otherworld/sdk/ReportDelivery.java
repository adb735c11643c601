package org.otherworld.sdk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Waits for the restorer's report {@code reports/<pid>.report} and hands it to the
 * {@link Registry} on a dedicated daemon thread. The restorer sends SIGPWR after writing the
 * report; if the handler cannot be installed the thread polls the directory every second
 * (and it re-scans every 30 s even with the handler, in case a signal was lost).
 */
final class ReportDelivery {
    private static final System.Logger LOG = System.getLogger("org.otherworld.sdk");
    static final String SIGNAL_NAME = "PWR";

    private final Registry registry;
    private final Path reportFile;
    private final Semaphore wakeups = new Semaphore(0);
    private volatile boolean signalInstalled;
    private volatile boolean stopped;
    private Thread thread;

    ReportDelivery(Registry registry, long pid) {
        this.registry = registry;
        this.reportFile = registry.config().reportsDir().resolve(pid + ".report");
    }

    Path reportFile() {
        return reportFile;
    }

    boolean signalInstalled() {
        return signalInstalled;
    }

    /** Installs the signal handler (if configured) and starts the delivery thread. */
    synchronized void start() {
        if (thread != null) {
            return;
        }
        if (registry.config().useSignal()) {
            signalInstalled = SignalHook.install(SIGNAL_NAME, this::wake);
        }
        registry.setDeliveryMode(signalInstalled ? "signal" : "poll");
        Duration wait = signalInstalled ? SdkConfig.SIGNAL_RESCAN_INTERVAL : registry.config().pollInterval();
        thread = new Thread(() -> loop(wait), "otherworld-delivery");
        thread.setDaemon(true);
        thread.start();
    }

    void wake() {
        wakeups.release();
    }

    /** Stops the delivery thread and waits (briefly) for a delivery in progress to finish. */
    void stop() {
        Thread t;
        synchronized (this) {
            stopped = true;
            wake();
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop(Duration wait) {
        while (!stopped) {
            try {
                checkNow();
                wakeups.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
                wakeups.drainPermits();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "otherworld delivery failed: " + e);
            }
        }
    }

    /** Handles the report if one is present; returns the outcome or null. */
    Registry.Outcome checkNow() {
        if (!Files.isRegularFile(reportFile)) {
            return null;
        }
        return registry.deliver(reportFile);
    }
}
