package org.otherworld.vmtest.guest;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The shared libraries a host binary needs, found with {@code ldd}. */
public final class SharedLibraries {
    private static final Pattern ARROW = Pattern.compile("^\\s*\\S+\\s+=>\\s+(/\\S+)\\s+\\(0x[0-9a-f]+\\)\\s*$");
    private static final Pattern DIRECT = Pattern.compile("^\\s*(/\\S+)\\s+\\(0x[0-9a-f]+\\)\\s*$");
    private static final Pattern MISSING = Pattern.compile("^\\s*(\\S+)\\s+=>\\s+not found\\s*$");

    private SharedLibraries() {
    }

    /** Parses {@code ldd} output into absolute library paths (the vDSO has none and is skipped). */
    public static Set<String> parseLdd(String binary, String lddOutput) {
        Set<String> libs = new LinkedHashSet<>();
        for (String line : lddOutput.split("\n")) {
            Matcher m;
            if ((m = MISSING.matcher(line)).matches()) {
                throw new IllegalStateException(binary + " needs " + m.group(1) + ", which is not installed");
            } else if ((m = ARROW.matcher(line)).matches() || (m = DIRECT.matcher(line)).matches()) {
                libs.add(m.group(1));
            }
        }
        return libs;
    }

    /** Libraries of a dynamically linked binary; empty for a static one. */
    public static Set<String> of(Path binary) {
        Exec.Result r = Exec.run(List.of("ldd", binary.toString()), null, 60);
        if (r.exit() != 0) {
            String all = r.stdout() + r.stderr();
            if (all.contains("not a dynamic executable") || all.contains("statically linked")) {
                return Set.of();
            }
            throw new IllegalStateException("ldd " + binary + " failed: " + all.strip());
        }
        return parseLdd(binary.toString(), r.stdout());
    }
}
