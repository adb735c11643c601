package org.otherworld.demo;

import org.otherworld.sdk.CrashProcedures;
import org.otherworld.sdk.Decision;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code kvstore PORT DATA_DIR}: an in-memory key-value TCP server (protocol in
 * {@link KvProtocol}). Its crash procedure asks for SAVE_AND_RESTART, the save callback writes a
 * snapshot to DATA_DIR, and the restarted image reloads it and serves again on the same port.
 *
 * <p>{@code kvstore PORT DATA_DIR --no-crash-procedure}: registers no crash procedure. Its kernel
 * objects are TCP sockets in blocking calls (the listening socket and one per client), which a
 * resurrection restores with the store in memory, so it simply continues serving the same connections.
 */
final class KvStoreApp {
    /** The flag that runs a demo server without a crash procedure. */
    static final String NO_PROCEDURE = "--no-crash-procedure";

    private KvStoreApp() {
    }

    static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 2 || args.length > 3 || (args.length == 3 && !args[2].equals(NO_PROCEDURE))) {
            System.err.println("usage: kvstore PORT DATA_DIR [" + NO_PROCEDURE + "]");
            System.exit(2);
        }
        boolean procedure = args.length == 2;
        int port = Integer.parseInt(args[0]);
        Path dataDir = Path.of(args[1]);
        Files.createDirectories(dataDir);
        KvStore store = new KvStore();
        if (CrashProcedures.restartedAfterCrash()) {
            int n = store.load(dataDir.resolve(KvStore.SNAPSHOT));
            System.out.println("kvstore: restarted after crash, reloaded " + n + " keys, checksum " + store.checksum());
        }
        // -Dotherworld.demo.register=false: run unprotected (the benchmark's unarmed baseline)
        if (procedure && !"false".equals(System.getProperty("otherworld.demo.register"))) {
            CrashProcedures.onSave(report -> store.save(dataDir.resolve(KvStore.SNAPSHOT)));
            // the SAVE_AND_RESTART demo: save, re-execute in place, reload (its sockets are restored too,
            // but a restart opens them again)
            CrashProcedures.register(report -> Decision.SAVE_AND_RESTART);
            // "prctl (patched kernel) + record" or "record only: stock kernel (prctl EINVAL)"
            System.out.println("kvstore: registration " + CrashProcedures.kernelInterfaceStatus());
        }
        KvServer server = new KvServer(new InetSocketAddress(port), store);
        System.out.println("kvstore: listening on port " + server.port() + " pid " + ProcessHandle.current().pid()
                + (procedure ? "" : " without a crash procedure"));
        System.out.flush();
        Thread.currentThread().join();
    }
}
