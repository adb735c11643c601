package org.otherworld.vmtest.guest;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dependency graph of a kernel's modules, from its {@code modules.dep}, used to copy into the
 * initramfs only the modules the guest loads and what they need.
 */
public final class KernelModules {
    private final Map<String, String> pathByName = new HashMap<>();
    private final Map<String, List<String>> depsByPath = new HashMap<>();

    private KernelModules() {
    }

    /** Parses modules.dep lines of the form {@code kernel/a/b.ko: kernel/c.ko kernel/d.ko}. */
    public static KernelModules parse(String modulesDep) {
        KernelModules km = new KernelModules();
        for (String line : modulesDep.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String path = line.substring(0, colon).strip();
            String rest = line.substring(colon + 1).strip();
            List<String> deps = rest.isEmpty() ? List.of() : List.of(rest.split("\\s+"));
            km.depsByPath.put(path, deps);
            km.pathByName.put(moduleName(path), path);
        }
        return km;
    }

    /** "kernel/net/netfilter/nf_tables.ko.xz" -> "nf_tables" (dashes and underscores are the same name). */
    public static String moduleName(String path) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        int dot = file.indexOf(".ko");
        return (dot > 0 ? file.substring(0, dot) : file).replace('-', '_');
    }

    /** Module files (relative paths) for the named modules and everything they depend on. */
    public Set<String> closure(List<String> names) {
        Set<String> out = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        for (String n : names) {
            String p = pathByName.get(n.replace('-', '_'));
            if (p == null) {
                throw new IllegalStateException("kernel has no module " + n + " (built in, or misnamed?)");
            }
            todo.add(p);
        }
        while (!todo.isEmpty()) {
            String p = todo.pop();
            if (out.add(p)) {
                todo.addAll(depsByPath.getOrDefault(p, List.of()));
            }
        }
        return out;
    }

    public boolean has(String name) {
        return pathByName.containsKey(name.replace('-', '_'));
    }
}
