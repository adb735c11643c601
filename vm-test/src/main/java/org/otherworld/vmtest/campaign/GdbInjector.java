package org.otherworld.vmtest.campaign;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.otherworld.vmtest.trial.Trial;
import org.otherworld.vmtest.vm.SerialConsole;

/**
 * Bit flips injected from outside the guest through QEMU's gdb stub, as ReHype did: after a seeded
 * delay, gdb (batch mode) stops the guest, reads a vCPU's rip, and if it is kernel code flips one bit
 * of a general register (or of a word on the current kernel stack), then detaches (the guest runs on).
 * When the vCPU is in user mode it detaches without change and tries again a few milliseconds later.
 * All choices come from the seed ({@link #plan}); only where the guest happens to be when gdb stops it
 * depends on timing.
 */
public final class GdbInjector implements Trial.HostAction {
    /** Kernel addresses on x86-64 (4- and 5-level paging) lie at or above this (the user half ends below). */
    static final String KERNEL_MIN = "0xff00000000000000UL";
    static final long KERNEL_MIN_VALUE = 0xff00000000000000L;
    /** The registers a flip may hit: the general registers, rip and rsp (as in ReHype's register faults). */
    static final List<String> REGISTERS = List.of("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip");
    static final int MAX_ATTEMPTS = 60;
    /** Words above the stack pointer a memory flip may hit (the live part of the current kernel stack). */
    static final int STACK_WORDS = 64;

    /** Where a flip goes. */
    public enum Target { REGISTER, STACK_MEMORY }

    /** One try: which vCPU, which register or stack word, which bit, and how long to wait if it misses. */
    public record Attempt(int vcpu, String register, int stackWord, int bit, int retryDelayMs) {
    }

    /** Everything the seed decides. */
    public record Plan(long seed, Target target, int initialDelayMs, List<Attempt> attempts) {
    }

    private final int port;
    private final Plan plan;
    private final Path logFile;
    private final Consumer<String> log;

    public GdbInjector(int port, Plan plan, Path logFile, Consumer<String> log) {
        this.port = port;
        this.plan = plan;
        this.logFile = logFile;
        this.log = log;
    }

    /** The seed's choices: delay 1-8 s, then up to {@value #MAX_ATTEMPTS} attempts. */
    public static Plan plan(long seed, Target target) {
        SplitMix64 r = new SplitMix64(seed);
        int delay = 1000 + r.below(7000);
        List<Attempt> as = new ArrayList<>();
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            as.add(new Attempt(1 + r.below(2), REGISTERS.get(r.below(REGISTERS.size())), r.below(STACK_WORDS),
                    r.below(64), 5 + r.below(46)));
        }
        return new Plan(seed, target, delay, as);
    }

    /** A free loopback TCP port for {@code -gdb tcp:127.0.0.1:PORT}. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port for the gdb stub", e);
        }
    }

    /** The QEMU arguments that open the gdb stub on loopback only. */
    public static List<String> qemuArgs(int port) {
        return List.of("-gdb", "tcp:127.0.0.1:" + port);
    }

    /** The gdb script of one attempt: print rip; if it is kernel code, flip and print what changed. */
    String script(Attempt a) {
        StringBuilder s = new StringBuilder();
        s.append("set pagination off\nset confirm off\nset architecture i386:x86-64\n");
        s.append("target remote 127.0.0.1:").append(port).append('\n');
        s.append("thread ").append(a.vcpu()).append('\n');
        s.append("printf \"OWRIP %lx\\n\", $rip\n");
        s.append("if ((unsigned long)$rip >= ").append(KERNEL_MIN).append(")\n");
        if (plan.target() == Target.REGISTER) {
            String r = "$" + a.register();
            s.append("  set $ow_old = (unsigned long)").append(r).append('\n');
            s.append("  set ").append(r).append(" = $ow_old ^ (1UL << ").append(a.bit()).append(")\n");
            s.append("  printf \"OWFLIP register ").append(a.register()).append(" bit ").append(a.bit())
                    .append(": %lx -> %lx\\n\", $ow_old, (unsigned long)").append(r).append('\n');
        } else {
            s.append("  set $ow_a = (unsigned long)$rsp + ").append(8 * a.stackWord()).append('\n');
            s.append("  set $ow_old = *(unsigned long *)$ow_a\n");
            s.append("  set *(unsigned long *)$ow_a = $ow_old ^ (1UL << ").append(a.bit()).append(")\n");
            s.append("  printf \"OWFLIP stack word rsp+").append(8 * a.stackWord()).append(" (%lx) bit ").append(a.bit())
                    .append(": %lx -> %lx\\n\", $ow_a, $ow_old, *(unsigned long *)$ow_a\n");
        }
        s.append("end\ndetach\n");
        return s.toString();
    }

    private static final Pattern RIP = Pattern.compile("OWRIP ([0-9a-f]+)");
    private static final Pattern FLIP = Pattern.compile("OWFLIP .*");

    @Override
    public void run(SerialConsole console) throws Exception {
        Path script = Files.createTempFile("ow-gdb", ".gdb");
        try {
            Thread.sleep(plan.initialDelayMs());
            int failures = 0;
            for (int i = 0; i < plan.attempts().size(); i++) {
                Attempt a = plan.attempts().get(i);
                Files.writeString(script, script(a));
                String out = runGdb(script);
                Matcher rip = RIP.matcher(out);
                Matcher flip = FLIP.matcher(out);
                if (!rip.find()) {
                    record("attempt " + i + ": gdb did not answer: " + out.strip().replace('\n', ' '));
                    if (++failures >= 3) {
                        throw new IllegalStateException("gdb could not stop the guest through 127.0.0.1:" + port);
                    }
                } else if (flip.find()) {
                    record("attempt " + i + ": vcpu " + a.vcpu() + " rip " + rip.group(1) + ": " + flip.group());
                    return;
                } else if (Long.compareUnsigned(Long.parseUnsignedLong(rip.group(1), 16), KERNEL_MIN_VALUE) >= 0) {
                    // kernel code, but gdb could not do the flip (e.g. the stack word is not mapped)
                    record("attempt " + i + ": vcpu " + a.vcpu() + " rip " + rip.group(1) + " is kernel code but the flip failed: "
                            + gdbError(out) + "; retrying");
                } else {
                    record("attempt " + i + ": vcpu " + a.vcpu() + " rip " + rip.group(1) + " is user code; retrying");
                }
                Thread.sleep(a.retryDelayMs());
            }
            record("no flip: the vCPUs were never in kernel code in " + plan.attempts().size() + " attempts");
        } finally {
            Files.deleteIfExists(script);
        }
    }

    /** gdb's error line (it stops the script at the first error), or "no output". */
    static String gdbError(String out) {
        for (String l : out.split("\n")) {
            if (l.contains("Cannot access memory") || l.startsWith("Error") || l.contains("error")) {
                return l.strip();
            }
        }
        return "no flip reported";
    }

    private String runGdb(Path script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("gdb", "-batch", "-nx", "-q", "-x", script.toString()).redirectErrorStream(true).start();
        boolean interrupted = false;
        try {
            // let a started gdb finish (it detaches, so the guest runs on) even when asked to stop
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (p.isAlive() && System.nanoTime() < deadline) {
                try {
                    p.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (p.isAlive()) {
                return "(gdb timed out)";
            }
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
            if (interrupted) {
                throw new InterruptedException("stopped");
            }
        }
    }

    private void record(String line) throws IOException {
        log.accept("gdb-injector: " + line);
        Files.writeString(logFile, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }
}
