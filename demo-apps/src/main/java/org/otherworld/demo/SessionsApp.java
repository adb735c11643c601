package org.otherworld.demo;

import org.otherworld.sdk.CrashProcedures;
import org.otherworld.sdk.Decision;
import org.otherworld.sdk.ResurrectionReport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code sessions PORT DATA_DIR}: an HTTP session store ({@link SessionServer}). After a
 * resurrection its crash procedure CONTINUEs with the sessions still in memory. When the report lists
 * a TCP socket that was not restored (the listening socket may be among them) it first opens a new
 * listening socket on the same port; when every socket came back it keeps the restored server, which
 * is already serving (reopening it anyway cost the bench's first client ~25 s of refused connections
 * while the new server started). Only if reopening fails does it ask for SAVE_AND_RESTART (the save
 * callback writes the sessions to DATA_DIR and the restarted image reloads them).
 *
 * <p>{@code sessions PORT DATA_DIR --no-crash-procedure}: registers no crash procedure and serves
 * through {@link BlockingSessionServer} (blocking sockets, no epoll or eventfd), so a resurrection
 * restores everything it holds (the listening socket, the established connections, the sessions in
 * memory) and it simply continues, serving the same connections.
 */
final class SessionsApp {
    static final String SNAPSHOT = "sessions.snapshot";

    private SessionsApp() {
    }

    /** Whether a TCP socket of the process was not restored: then its listening socket may be gone. */
    static boolean needsNewListener(ResurrectionReport report) {
        return report.unrestoredResources().stream().anyMatch(r -> "tcp".equals(r.kind()));
    }

    static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 2 || args.length > 3 || (args.length == 3 && !args[2].equals(KvStoreApp.NO_PROCEDURE))) {
            System.err.println("usage: sessions PORT DATA_DIR [" + KvStoreApp.NO_PROCEDURE + "]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path dataDir = Path.of(args[1]);
        Files.createDirectories(dataDir);
        KvStore sessions = new KvStore();
        if (args.length == 3) {
            BlockingSessionServer server = new BlockingSessionServer(port, sessions);
            System.out.println("sessions: listening on port " + server.port() + " pid " + ProcessHandle.current().pid()
                    + " without a crash procedure");
            System.out.flush();
            Thread.currentThread().join();
        }
        if (CrashProcedures.restartedAfterCrash()) {
            int n = sessions.load(dataDir.resolve(SNAPSHOT));
            System.out.println("sessions: restarted after crash, reloaded " + n + " sessions");
        }
        SessionServer server = new SessionServer(port, sessions);
        // -Dotherworld.demo.register=false: run unprotected (the benchmark's unarmed baseline)
        if (!"false".equals(System.getProperty("otherworld.demo.register"))) {
            CrashProcedures.onSave(report -> sessions.save(dataDir.resolve(SNAPSHOT)));
            CrashProcedures.register(report -> {
                if (!needsNewListener(report)) {
                    System.out.println("sessions: every socket restored, serving on port " + server.port()
                            + " as before the crash (" + report.unrestoredResources().size()
                            + " other resources were not restored)");
                    return Decision.CONTINUE;
                }
                server.reopen();
                System.out.println("sessions: listening again on port " + server.port() + " after resurrection ("
                        + report.unrestoredResources().size() + " resources were not restored)");
                return Decision.CONTINUE;
            });
        }
        System.out.println("sessions: listening on port " + server.port() + " pid " + ProcessHandle.current().pid());
        System.out.flush();
        Thread.currentThread().join();
    }
}
