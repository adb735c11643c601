package org.otherworld.agent.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * crash-kernel/agent.classlist, from which the guest build dumps the agent's class-data sharing archive,
 * still names the agent's own classes and lambda bodies. A stale list costs nothing visible but time in
 * the crash kernel: a lambda whose body was renamed by a change elsewhere in its class
 * ({@code lambda$readProcesses$6} taking other arguments) is no longer archived, and its call site is
 * linked at run time. Found stale once, after a change that was measured without regenerating it.
 */
class AgentClasslistTest {
    private static final Path LIST = Path.of("..", "crash-kernel", "agent.classlist");
    private static final String OURS = "org/otherworld/";

    @Test
    void everyAgentClassAndLambdaBodyTheListNamesExists() throws IOException {
        assumeTrue(Files.isRegularFile(LIST), "skipped: no " + LIST + " (the test runs in the resurrector-agent module)");
        List<String> stale = new ArrayList<>();
        int checked = 0;
        for (String line : Files.readAllLines(LIST)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] w = l.split("\\s+");
            if (w[0].equals("@lambda-proxy")) {
                int ref = indexOfRefKind(w);
                if (ref < 0 || ref + 3 >= w.length) {
                    stale.add("unreadable: " + l);
                } else if (w[ref + 1].startsWith(OURS)) {
                    checked++;
                    if (!hasMethod(w[ref + 1], w[ref + 2], w[ref + 3])) {
                        stale.add(w[ref + 1] + "." + w[ref + 2] + w[ref + 3]);
                    }
                }
            } else if (!w[0].startsWith("@") && w[0].startsWith(OURS)) {
                checked++;
                if (ClassLoader.getSystemResource(w[0] + ".class") == null) {
                    stale.add(w[0]);
                }
            }
        }
        assertTrue(checked > 100, "the list names only " + checked + " of the agent's classes and lambdas");
        assertTrue(stale.isEmpty(), LIST + " is stale (regenerate it: crash-kernel/agent-classlist VMCORE); "
                + stale.size() + " entries name what the agent no longer has: " + stale);
    }

    private static int indexOfRefKind(String[] w) {
        for (int i = 0; i < w.length; i++) {
            if (w[i].startsWith("REF_")) {
                return i;
            }
        }
        return -1;
    }

    private static boolean hasMethod(String owner, String name, String descriptor) {
        Class<?> c;
        try {
            c = Class.forName(owner.replace('/', '.'), false, AgentClasslistTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return false;
        }
        if (name.equals("<init>")) {
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (MethodType.methodType(void.class, k.getParameterTypes()).toMethodDescriptorString().equals(descriptor)) {
                    return true;
                }
            }
            return false;
        }
        for (Method m : c.getDeclaredMethods()) {
            if (m.getName().equals(name)
                    && MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString().equals(descriptor)) {
                return true;
            }
        }
        return false;
    }
}
