package org.otherworld.demo;

import org.otherworld.sdk.CrashProcedures;
import org.otherworld.sdk.Decision;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code sessions PORT DATA_DIR}: an HTTP session store ({@link SessionServer}). After a
 * resurrection its crash procedure opens a new listening socket on the same port and CONTINUEs
 * with the sessions still in memory; only if that fails does it ask for SAVE_AND_RESTART (the save
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
