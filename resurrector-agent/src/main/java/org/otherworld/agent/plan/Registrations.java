package org.otherworld.agent.plan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.otherworld.agent.task.ProcessModel;

/**
 * The SDK registrations found for the dead kernel's processes: the durable records in
 * {@code STATE_DIR/registrations/} matched by pid AND start time (a record whose process exited
 * uncleanly and whose pid was reused does not match), and the kernel's own field when a patched kernel
 * has one ({@link KernelRegistrationSource}).
 *
 * <p>Precedence, per process ({@link #of}): a registration in the kernel (policy 1..3) wins over the record
 * (the record still supplies the delivery mode); a kernel that says "not registered" (policy 0) wins over a
 * record written while the SDK used the kernel interface ({@code kernel=prctl}): the registration was
 * withdrawn since (execve starts a fresh mm; an unregister that crashed before removing the record), but not
 * over a record with {@code kernel=none} (the SDK did not call prctl, e.g. {@code otherworld.prctl=false});
 * a kernel without the fields, or a field that cannot be read, leaves the record as the only source.
 */
public final class Registrations {
    /** Sub-directory of the state directory holding the records. */
    public static final String DIR = "registrations";
    /** Bound on the records read (a state directory is small; garbage must not exhaust memory). */
    public static final int MAX_RECORDS = 65536;
    /** Largest record read (a record is a few hundred bytes). */
    public static final long MAX_RECORD_BYTES = 1 << 20;

    private final Map<String, Registration> byKey;
    private final Set<String> viaPrctl;
    private final KernelRegistrationSource kernel;
    private final List<String> errors;
    private final List<String> notes = new ArrayList<>();

    private Registrations(Map<String, Registration> byKey, Set<String> viaPrctl, KernelRegistrationSource kernel,
                          List<String> errors) {
        this.byKey = byKey;
        this.viaPrctl = viaPrctl;
        this.kernel = kernel;
        this.errors = new ArrayList<>(errors);
    }

    /** No registrations at all. */
    public static Registrations none() {
        return new Registrations(Map.of(), Set.of(), KernelRegistrationSource.NONE, List.of());
    }

    /**
     * Reads the records under {@code stateDir/registrations}; a missing directory means no records,
     * an unreadable or malformed record is skipped with one line in {@link #errors()}.
     */
    public static Registrations load(Path stateDir, KernelRegistrationSource kernel) {
        Map<String, Registration> out = new HashMap<>();
        Set<String> viaPrctl = new HashSet<>();
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
                        String text = Files.readString(f, StandardCharsets.UTF_8);
                        Registration r = Registration.parse(text, "record " + f);
                        String name = f.getFileName().toString();
                        if (!name.equals(r.pid() + "-" + r.startTime() + ".reg")) {
                            errors.add(f + ": name does not match pid " + r.pid() + " and starttime " + r.startTime()
                                    + ", ignored");
                            continue;
                        }
                        out.put(key(r.pid(), r.startTime()), r);
                        if ("prctl".equals(Registration.keyValues(text).get("kernel"))) {
                            viaPrctl.add(key(r.pid(), r.startTime()));
                        }
                    } catch (IOException | IllegalArgumentException e) {
                        errors.add(f + ": " + e.getMessage());
                    }
                }
            } catch (IOException e) {
                errors.add(dir + ": " + e.getMessage());
            }
        }
        return new Registrations(out, viaPrctl, kernel == null ? KernelRegistrationSource.NONE : kernel, errors);
    }

    private static String key(int pid, long startTime) {
        return pid + "-" + startTime;
    }

    /**
     * The registration of {@code p}: the kernel's field and the record with the same pid and start time
     * (clock ticks, {@link ProcessModel#startTimeTicks()}), combined as the class comment says.
     */
    public synchronized Optional<Registration> of(ProcessModel p) {
        String key = key(p.pid(), p.startTimeTicks());
        Registration record = byKey.get(key);
        KernelRegistrationSource.Answer k = kernel.lookup(p);
        if (k.known()) {
            Registration r = k.registration();
            if (r != null) {
                return Optional.of(record == null ? r : new Registration(r.pid(), r.startTime(), r.policy(),
                        r.procedures(), record.delivery(), r.source()));
            }
            if (record != null && viaPrctl.contains(key)) {
                note("process " + p.pid() + ": record " + key + ".reg ignored: the kernel says it is not"
                        + " registered (withdrawn after the record was written, e.g. by execve)");
                return Optional.empty();
            }
            return Optional.ofNullable(record);
        }
        if (k.error() != null) {
            note(k.error() + "; the record is used");
        }
        return Optional.ofNullable(record);
    }

    private void note(String s) {
        if (!notes.contains(s)) {
            notes.add(s);
        }
    }

    /** Whether the dead kernel keeps registrations itself (patch 0002). */
    public boolean kernelSource() {
        return kernel.available();
    }

    /** What {@link #of} decided against a record, or could not read from the kernel (one line each). */
    public synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    /** How many records were read. */
    public int records() {
        return byKey.size();
    }

    /** One line per record that could not be used. */
    public List<String> errors() {
        return List.copyOf(errors);
    }
}
