package org.otherworld.agent.plan;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.otherworld.agent.task.ProcessModel;

/**
 * Which processes are system processes that are never resurrected (init, daemons, the console's
 * helpers): a small text file, by default the resource {@code system-processes.txt} of this package,
 * overridable with {@code --policy FILE}. Lines: {@code pid N}, {@code comm NAME}, {@code exe PATH},
 * {@code init-child COMM} (a direct child of pid 1 with that comm that did not start its own session:
 * a workload started with {@code setsid} is not a helper); {@code #} starts a comment.
 */
public final class SystemPolicy {
    /** The resource holding the default policy. */
    public static final String DEFAULT_RESOURCE = "system-processes.txt";

    private final Set<Integer> pids = new HashSet<>();
    private final Set<String> comms = new HashSet<>();
    private final Set<String> exes = new HashSet<>();
    private final Set<String> initChildren = new HashSet<>();
    private final String source;

    private SystemPolicy(String source) {
        this.source = source;
    }

    /** The policy shipped with the agent. */
    public static SystemPolicy defaults() {
        try (InputStream in = SystemPolicy.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULT_RESOURCE + " missing from the agent");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "default policy");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + DEFAULT_RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /** The policy in {@code file}. */
    public static SystemPolicy load(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** A policy that excludes nothing. */
    public static SystemPolicy empty() {
        return new SystemPolicy("empty policy");
    }

    /**
     * Parses policy text.
     *
     * @throws IllegalArgumentException naming the line for an unknown keyword or a bad pid
     */
    public static SystemPolicy parse(String text, String source) {
        SystemPolicy p = new SystemPolicy(source);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] w = line.split("\\s+", 2);
            if (w.length != 2) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": expected KEYWORD VALUE: " + line);
            }
            switch (w[0]) {
                case "pid" -> {
                    try {
                        p.pids.add(Integer.parseInt(w[1]));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(source + " line " + (i + 1) + ": bad pid " + w[1]);
                    }
                }
                case "comm" -> p.comms.add(w[1]);
                case "exe" -> p.exes.add(w[1]);
                case "init-child" -> p.initChildren.add(w[1]);
                default -> throw new IllegalArgumentException(source + " line " + (i + 1) + ": unknown keyword "
                        + w[0]);
            }
        }
        return p;
    }

    /** Why {@code p} is a system process by itself (not counting its ancestors), if it is one. */
    public Optional<String> match(ProcessModel p) {
        if (pids.contains(p.pid())) {
            return Optional.of("system process (pid " + p.pid() + ")");
        }
        if (comms.contains(p.comm())) {
            return Optional.of("system process (comm " + p.comm() + ")");
        }
        String exe = p.mm() == null ? null : p.mm().exe();
        if (exe != null && exes.contains(exe)) {
            return Optional.of("system process (exe " + exe + ")");
        }
        if (p.ppid() == 1 && p.sid() != p.pid() && initChildren.contains(p.comm())) {
            return Optional.of("helper of pid 1 (" + p.comm() + ")");
        }
        return Optional.empty();
    }

    /** Where the policy came from. */
    public String source() {
        return source;
    }
}
