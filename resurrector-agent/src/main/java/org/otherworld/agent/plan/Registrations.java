package org.otherworld.agent.plan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.otherworld.agent.task.ProcessModel;

/**
 * The SDK registrations found for the dead kernel's processes: the durable records in
 * {@code STATE_DIR/registrations/} matched by pid AND start time (a record whose process exited
 * uncleanly and whose pid was reused does not match), and the kernel's own field when a patched kernel
 * has one ({@link KernelRegistrationSource}; it wins over a record).
 */
public final class Registrations {
    /** Sub-directory of the state directory holding the records. */
    public static final String DIR = "registrations";
    /** Bound on the records read (a state directory is small; garbage must not exhaust memory). */
    public static final int MAX_RECORDS = 65536;
    /** Largest record read (a record is a few hundred bytes). */
    public static final long MAX_RECORD_BYTES = 1 << 20;

    private final Map<String, Registration> byKey;
    private final KernelRegistrationSource kernel;
    private final List<String> errors;

    private Registrations(Map<String, Registration> byKey, KernelRegistrationSource kernel, List<String> errors) {
        this.byKey = byKey;
        this.kernel = kernel;
        this.errors = List.copyOf(errors);
    }

    /** No registrations at all. */
    public static Registrations none() {
        return new Registrations(Map.of(), KernelRegistrationSource.NONE, List.of());
    }

    /**
     * Reads the records under {@code stateDir/registrations}; a missing directory means no records,
     * an unreadable or malformed record is skipped with one line in {@link #errors()}.
     */
    public static Registrations load(Path stateDir, KernelRegistrationSource kernel) {
        Map<String, Registration> out = new HashMap<>();
        List<String> errors = new ArrayList<>();
        Path dir = stateDir == null ? null : stateDir.resolve(DIR);
        if (dir != null && Files.isDirectory(dir)) {
            int n = 0;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.reg")) {
                for (Path f : ds) {
                    if (++n > MAX_RECORDS) {
                        errors.add(dir + ": more than " + MAX_RECORDS + " records, the rest ignored");
                        break;
                    }
                    try {
                        if (Files.size(f) > MAX_RECORD_BYTES) {
                            errors.add(f + ": larger than " + MAX_RECORD_BYTES + " bytes, ignored");
                            continue;
                        }
                        Registration r = Registration.parse(Files.readString(f, StandardCharsets.UTF_8), "record " + f);
                        String name = f.getFileName().toString();
                        if (!name.equals(r.pid() + "-" + r.startTime() + ".reg")) {
                            errors.add(f + ": name does not match pid " + r.pid() + " and starttime " + r.startTime()
                                    + ", ignored");
                            continue;
                        }
                        out.put(key(r.pid(), r.startTime()), r);
                    } catch (IOException | IllegalArgumentException e) {
                        errors.add(f + ": " + e.getMessage());
                    }
                }
            } catch (IOException e) {
                errors.add(dir + ": " + e.getMessage());
            }
        }
        return new Registrations(out, kernel == null ? KernelRegistrationSource.NONE : kernel, errors);
    }

    private static String key(int pid, long startTime) {
        return pid + "-" + startTime;
    }

    /**
     * The registration of {@code p}: the kernel's field if it has one, else the record with the same pid
     * and start time (clock ticks, {@link ProcessModel#startTimeTicks()}).
     */
    public Optional<Registration> of(ProcessModel p) {
        Optional<Registration> k = kernel.registration(p);
        if (k.isPresent()) {
            return k;
        }
        return Optional.ofNullable(byKey.get(key(p.pid(), p.startTimeTicks())));
    }

    /** How many records were read. */
    public int records() {
        return byKey.size();
    }

    /** One line per record that could not be used. */
    public List<String> errors() {
        return errors;
    }
}
