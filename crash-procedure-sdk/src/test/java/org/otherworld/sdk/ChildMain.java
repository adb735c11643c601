package org.otherworld.sdk;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM used by {@link ChildJvmTest}: {@code ChildMain <CONTINUE|SAVE_AND_RESTART> <stateFile>}
 * with {@code -Dotherworld.state.dir=...}. Prints protocol lines on stdout.
 */
public final class ChildMain {
    private ChildMain() {
    }

    public static void main(String[] args) throws Exception {
        Decision decision = Decision.valueOf(args[0]);
        Path stateFile = Path.of(args[1]);
        long pid = ProcessHandle.current().pid();
        if (CrashProcedures.restartedAfterCrash()) {
            String state = Files.readString(stateFile).trim();
            String panic = CrashProcedures.restartReport().map(ResurrectionReport::panicMessage).orElse("<none>");
            System.out.println("RESTARTED pid=" + pid + " restarted=" + CrashProcedures.restartedAfterCrash()
                    + " state=" + state + " panic=" + panic);
            System.out.flush();
            // wait for the test to inspect /proc/<pid>, bounded
            Thread waiter = new Thread(() -> {
                try {
                    new BufferedReader(new InputStreamReader(System.in)).readLine();
                } catch (Exception ignored) {
                    // exit anyway
                }
            });
            waiter.setDaemon(true);
            waiter.start();
            waiter.join(20_000);
            System.exit(0);
        }
        CountDownLatch ran = new CountDownLatch(1);
        CrashProcedures.onSave(r -> DurableFiles.writeAtomically(stateFile, "counter=42 fd=" + r.unrestoredResources().size()));
        CrashProcedures.register(r -> {
            System.out.println("REPORT pid=" + r.pid() + " crash=" + r.crashTime() + " downtime_ms="
                    + r.downtime().toMillis() + " faulty=" + r.wasFaultyProcess() + " panic=" + r.panicMessage()
                    + " resources=" + r.unrestoredResources());
            System.out.flush();
            ran.countDown();
            return decision;
        });
        System.out.println("READY " + pid + " signal=" + CrashProcedures.signalDeliveryActive()
                + " record=" + Files.exists(CrashProcedures.stateDirectory().resolve("registrations")));
        System.out.flush();
        if (!ran.await(30, TimeUnit.SECONDS)) {
            System.out.println("NO-REPORT");
            System.exit(2);
        }
        Path done = CrashProcedures.stateDirectory().resolve("reports/" + pid + ".report.done");
        for (int i = 0; i < 100 && !Files.exists(done); i++) {
            Thread.sleep(50);
        }
        if (decision == Decision.CONTINUE) {
            System.out.println("CONTINUED done=" + Files.exists(done));
            System.exit(0);
        }
        Thread.sleep(30_000);
        System.out.println("NOT-RESTARTED");
        System.exit(3);
    }
}
