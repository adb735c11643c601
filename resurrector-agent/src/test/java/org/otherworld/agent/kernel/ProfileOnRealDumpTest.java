package org.otherworld.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.live.CaptureStore;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.ProcessReader;

/**
 * The pre-6.0 path on a real dump: a profile such as {@code arm} saves (the crashed boot's symbols with
 * their KASLR addresses, and the kernel's BTF) must give the same processes as the vmcore's own
 * kallsyms and BTF. The profile is made here from the dump itself, as /proc/kallsyms and
 * /sys/kernel/btf/vmlinux would have given it at arm time.
 */
class ProfileOnRealDumpTest {
    @Test
    void aProfileFromArmTimeReadsTheSameProcesses(@TempDir Path tmp) throws Exception {
        List<Path> caps = CaptureStore.available();
        assumeFalse(caps.isEmpty(), "no capture under " + CaptureStore.root() + " (vm-test makes one); skipped");
        Path vmcore = caps.get(0).resolve("vmcore");
        Path profile = Files.createDirectory(tmp.resolve("profile"));
        List<String> direct;
        try (DeadKernel k = DeadKernel.open(vmcore)) {
            try (Writer w = Files.newBufferedWriter(profile.resolve(DeadKernel.PROFILE_SYSTEM_MAP))) {
                k.symbols().writeSystemMap(w);
            }
            long start = k.symbols().address("__start_BTF");
            long stop = k.symbols().address("__stop_BTF");
            Files.write(profile.resolve("btf"), k.kernelMemory().readBytes(start, (int) (stop - start)));
            direct = summary(k);
        }
        try (DeadKernel k = DeadKernel.open(vmcore, profile)) {
            assertEquals(direct, summary(k));
        }
    }

    private static List<String> summary(DeadKernel k) {
        return new ProcessReader(k).readAll(ProcessReader.Options.summary()).stream()
                .map((ProcessModel p) -> p.pid() + " " + p.comm() + " " + p.threads().size() + " " + p.vmas().size())
                .toList();
    }
}
