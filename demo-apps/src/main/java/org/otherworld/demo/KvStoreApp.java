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
 */
final class KvStoreApp {
    private KvStoreApp() {
    }

    static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: kvstore PORT DATA_DIR");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path dataDir = Path.of(args[1]);
        Files.createDirectories(dataDir);
        KvStore store = new KvStore();
        if (CrashProcedures.restartedAfterCrash()) {
            int n = store.load(dataDir.resolve(KvStore.SNAPSHOT));
            System.out.println("kvstore: restarted after crash, reloaded " + n + " keys, checksum " + store.checksum());
        }
        // -Dotherworld.demo.register=false: run unprotected (the benchmark's unarmed baseline)
        if (!"false".equals(System.getProperty("otherworld.demo.register"))) {
            CrashProcedures.onSave(report -> store.save(dataDir.resolve(KvStore.SNAPSHOT)));
            // Sockets (the listening one and every client connection) are never restored: restart.
            CrashProcedures.register(report -> Decision.SAVE_AND_RESTART);
            // "prctl (patched kernel) + record" or "record only: stock kernel (prctl EINVAL)"
            System.out.println("kvstore: registration " + CrashProcedures.kernelInterfaceStatus());
        }
        KvServer server = new KvServer(new InetSocketAddress(port), store);
        System.out.println("kvstore: listening on port " + server.port() + " pid " + ProcessHandle.current().pid());
        System.out.flush();
        Thread.currentThread().join();
    }
}
