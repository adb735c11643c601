package org.otherworld.vmtest.campaign;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The machine's VM slots, shared with the {@code vmslot} script of the development machine: slot i is
 * an exclusive {@code flock(1)} on {@code PREFIX-i.lock}. A slot is held by a child {@code flock -n FILE}
 * running {@code cat} on a stdin we keep open: flock exits at once (code 1) when the slot is taken, and
 * releases the lock when we close that stdin (or when this JVM dies, so a killed campaign never leaves a
 * slot held). flock(2) locks, not Java's fcntl locks, so both kinds of users see each other.
 */
public final class VmSlots {
    /** The vmslot script's lock files: /tmp/ow-vmslot-1.lock ... */
    public static final String DEFAULT_PREFIX = "/tmp/ow-vmslot";

    private final String prefix;
    private final int slots;
    private final Consumer<String> log;

    /**
     * @param slots how many slots the machine has (0: do not take slots at all)
     */
    public VmSlots(String prefix, int slots, Consumer<String> log) {
        this.prefix = prefix;
        this.slots = slots;
        this.log = log;
    }

    /** A held slot; close to release. */
    public interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    static Path lockFile(String prefix, int i) {
        return Path.of(prefix + "-" + i + ".lock");
    }

    /** Waits (polling every 2 s) until a slot is free and takes it. */
    public Slot acquire(String who) throws InterruptedException {
        if (slots <= 0) {
            return () -> { };
        }
        long waited = System.nanoTime();
        boolean said = false;
        while (true) {
            for (int i = 1; i <= slots; i++) {
                Slot s = tryTake(i);
                if (s != null) {
                    if (said) {
                        log.accept(String.format("%s: got VM slot %d after %d s", who, i,
                                (System.nanoTime() - waited) / 1_000_000_000L));
                    }
                    return s;
                }
            }
            if (!said) {
                log.accept(who + ": waiting for a VM slot (" + slots + " on this machine, all taken)");
                said = true;
            }
            Thread.sleep(2000);
        }
    }

    /** Takes slot i if free, else null. */
    Slot tryTake(int i) {
        Path f = lockFile(prefix, i);
        Process p;
        try {
            // prints "held" once it has the lock, then holds it as long as cat runs (until stdin closes)
            p = new ProcessBuilder(List.of("flock", "-n", f.toString(), "sh", "-c", "echo held; exec cat >/dev/null"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run flock(1) for VM slot " + f + ": " + e.getMessage(), e);
        }
        String first;
        try {
            first = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        } catch (IOException e) {
            first = null;
        }
        if (!"held".equals(first)) { // flock -n exited (code 1): the slot is taken
            p.destroy();
            return null;
        }
        return () -> {
            try {
                p.getOutputStream().close(); // cat sees EOF, flock releases the lock
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (IOException e) {
                p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        };
    }
}
