package org.otherworld.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.otherworld.agent.plan.SystemPolicy;

/**
 * {@code /etc/otherworld/otherworld.conf}: {@code key = value} lines, {@code #} comments. Each key maps
 * onto an option of the agent (docs/install.md has the table); an unknown key or a bad value is an
 * error naming the line.
 */
public final class Config {
    /** Where the package installs it. */
    public static final String PATH = "/etc/otherworld/otherworld.conf";

    /** The keys and their defaults. */
    static final Map<String, String> DEFAULTS = new TreeMap<>(Map.ofEntries(
            Map.entry("image-dir", "/var/lib/otherworld/resurrection"),
            Map.entry("state-dir", "/var/lib/otherworld"),
            Map.entry("resurrect", ""),
            Map.entry("never-resurrect", ""),
            Map.entry("faulty-process", "skip"),
            Map.entry("partial", "with-procedure"),
            Map.entry("syscall-in-flight", "restart"),
            Map.entry("write-back-dirty-data", "yes"),
            Map.entry("keep-vmcore-on-failure", "yes"),
            Map.entry("vmcore-dir", "/var/crash/otherworld"),
            Map.entry("dump-level", "31"),
            Map.entry("restore-timeout", "180"),
            Map.entry("crash-cpus", "2")));
    /** Keys that may be given on several lines; their values add up. */
    static final Set<String> LISTS = Set.of("resurrect", "never-resurrect");

    private final Map<String, String> values = new TreeMap<>(DEFAULTS);
    private final List<String> resurrect = new ArrayList<>();
    private final List<String> neverResurrect = new ArrayList<>();

    private Config() {
    }

    /** The defaults alone (no file). */
    public static Config defaults() {
        return new Config();
    }

    /** Parses {@code text}, read from {@code source}; throws IllegalArgumentException naming the line. */
    public static Config parse(String text, String source) {
        Config c = new Config();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = source + " line " + (i + 1) + ": ";
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(where + "expected KEY = VALUE: " + line);
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (!DEFAULTS.containsKey(key)) {
                throw new IllegalArgumentException(where + "unknown key '" + key + "' (known: "
                        + String.join(", ", DEFAULTS.keySet()) + ")");
            }
            try {
                c.set(key, value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage());
            }
        }
        return c;
    }

    /** The file on {@code host}, or the defaults when it does not exist. */
    public static Config load(Host host) {
        return host.read(PATH).map(t -> parse(t, PATH)).orElseGet(Config::defaults);
    }

    private void set(String key, String value) {
        switch (key) {
            case "resurrect", "never-resurrect" -> {
                for (String e : value.split("\\s+")) {
                    if (!e.isEmpty()) {
                        (key.equals("resurrect") ? resurrect : neverResurrect).add(policyLine(e));
                    }
                }
            }
            case "faulty-process" -> oneOf(key, value, "skip", "resurrect");
            case "partial" -> oneOf(key, value, "with-procedure", "always");
            case "syscall-in-flight" -> oneOf(key, value, "restart");
            case "write-back-dirty-data", "keep-vmcore-on-failure" -> oneOf(key, value, "yes", "no");
            case "image-dir", "state-dir", "vmcore-dir" -> {
                if (!value.startsWith("/")) {
                    throw new IllegalArgumentException(key + " must be an absolute path, not '" + value + "'");
                }
            }
            case "dump-level" -> number(key, value, 0, 31);
            case "restore-timeout" -> number(key, value, 1, 86400);
            case "crash-cpus" -> number(key, value, 1, 64);
            default -> throw new IllegalStateException(key);
        }
        values.put(key, value);
    }

    private static void oneOf(String key, String value, String... allowed) {
        if (!List.of(allowed).contains(value)) {
            throw new IllegalArgumentException(key + " must be one of " + String.join(", ", allowed) + ", not '"
                    + value + "'" + (key.equals("syscall-in-flight") ? " (the agent implements only restart: "
                    + "interrupted restartable calls are restarted, file calls redone; docs/resurrection.md)" : ""));
        }
    }

    private static void number(String key, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number from " + min + " to " + max + ", not '"
                    + value + "'");
        }
    }

    /** {@code comm:NAME} or {@code exe:/PATH} as a line of the agent's system-process policy. */
    static String policyLine(String entry) {
        int colon = entry.indexOf(':');
        String kind = colon < 0 ? "" : entry.substring(0, colon);
        String what = colon < 0 ? "" : entry.substring(colon + 1);
        if (what.isEmpty() || !(kind.equals("comm") || kind.equals("exe"))) {
            throw new IllegalArgumentException("process '" + entry + "' must be comm:NAME or exe:/PATH");
        }
        if (kind.equals("exe") && !what.startsWith("/")) {
            throw new IllegalArgumentException("process '" + entry + "': exe needs an absolute path");
        }
        if (kind.equals("comm") && what.length() > 15) {
            throw new IllegalArgumentException("process '" + entry + "': a comm is at most 15 bytes (the kernel's "
                    + "TASK_COMM_LEN - 1)");
        }
        return kind + " " + what;
    }

    public String get(String key) {
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException("unknown key " + key);
        }
        return values.get(key);
    }

    public Path imageDir() {
        return Path.of(get("image-dir"));
    }

    public Path stateDir() {
        return Path.of(get("state-dir"));
    }

    /** CPUs the crash kernel brings up (its nr_cpus=). */
    public int crashCpus() {
        return Integer.parseInt(get("crash-cpus"));
    }

    public boolean keepVmcore() {
        return get("keep-vmcore-on-failure").equals("yes");
    }

    /** Whether the agent needs a policy file of its own (some resurrect / never-resurrect entry). */
    public boolean customPolicy() {
        return !resurrect.isEmpty() || !neverResurrect.isEmpty();
    }

    /**
     * The agent's system-process policy: its built-in one without the {@code resurrect} entries, plus
     * the {@code never-resurrect} entries.
     */
    public String policyText(String builtIn) {
        StringBuilder sb = new StringBuilder("# generated by otherworld from " + PATH + "\n");
        Set<String> drop = new LinkedHashSet<>(resurrect);
        for (String line : builtIn.split("\n")) {
            if (!drop.contains(line.strip())) {
                sb.append(line).append('\n');
            }
        }
        for (String n : neverResurrect) {
            sb.append(n).append('\n');
        }
        return sb.toString();
    }

    /** The agent's built-in policy text. */
    public static String builtInPolicy() {
        try (InputStream in = SystemPolicy.class.getResourceAsStream(SystemPolicy.DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the agent jar has no " + SystemPolicy.DEFAULT_RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the agent's policy: " + e.getMessage(), e);
        }
    }

    /** Arguments of {@code resurrect} for the crash kernel ({@code policyFile} null: the built-in policy). */
    public List<String> resurrectArgs(Path policyFile) {
        List<String> a = new ArrayList<>(List.of("resurrect", "--vmcore", "/proc/vmcore", "--out", get("image-dir"),
                "--state-dir", get("state-dir")));
        if (policyFile != null) {
            a.addAll(List.of("--policy", policyFile.toString()));
        }
        if (get("faulty-process").equals("resurrect")) {
            a.add("--resurrect-faulty");
        }
        if (get("partial").equals("always")) {
            a.add("--allow-partial");
        }
        if (get("write-back-dirty-data").equals("no")) {
            a.add("--no-flush");
        }
        return a;
    }

    /** Arguments of {@code restore} in the main kernel after a hand-over. */
    public List<String> restoreArgs() {
        return List.of("restore", "--images", get("image-dir"), "--state-dir", get("state-dir"), "--timeout",
                get("restore-timeout"));
    }
}
