package org.otherworld.vmtest.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Seeds decide every choice of the injectors, reproducibly. */
class SeedTest {
    @Test
    void splitMixMatchesTheReferenceSequence() {
        // splitmix64 from state 0: the reference implementation's first two outputs
        SplitMix64 r = new SplitMix64(0);
        assertEquals(0xE220A8397B1DCDAFL, r.next());
        assertEquals(0x6E789E6AA1B965F4L, r.next());
    }

    @Test
    void gdbPlanIsReproducibleFromItsSeed() {
        GdbInjector.Plan a = GdbInjector.plan(42, GdbInjector.Target.REGISTER);
        GdbInjector.Plan b = GdbInjector.plan(42, GdbInjector.Target.REGISTER);
        GdbInjector.Plan c = GdbInjector.plan(43, GdbInjector.Target.REGISTER);
        assertEquals(a, b);
        assertNotEquals(a.attempts(), c.attempts());
        assertEquals(GdbInjector.MAX_ATTEMPTS, a.attempts().size());
        assertTrue(a.initialDelayMs() >= 1000 && a.initialDelayMs() < 8000);
        for (GdbInjector.Attempt t : a.attempts()) {
            assertTrue(t.vcpu() == 1 || t.vcpu() == 2);
            assertTrue(GdbInjector.REGISTERS.contains(t.register()));
            assertTrue(t.bit() >= 0 && t.bit() < 64);
            assertTrue(t.stackWord() >= 0 && t.stackWord() < GdbInjector.STACK_WORDS);
            assertTrue(t.retryDelayMs() >= 5 && t.retryDelayMs() <= 50);
        }
        // over many attempts, both vCPUs and several registers are chosen
        assertEquals(2, a.attempts().stream().map(GdbInjector.Attempt::vcpu).distinct().count());
        assertTrue(a.attempts().stream().map(GdbInjector.Attempt::register).distinct().count() > 5);
    }

    @Test
    void gdbScriptFlipsOnlyInKernelCode() {
        GdbInjector.Plan p = new GdbInjector.Plan(1, GdbInjector.Target.REGISTER, 1000,
                List.of(new GdbInjector.Attempt(2, "rbx", 3, 13, 10)));
        String s = new GdbInjector(41234, p, Path.of("x"), l -> { }).script(p.attempts().get(0));
        assertTrue(s.contains("target remote 127.0.0.1:41234\n"), s);
        assertTrue(s.contains("thread 2\n"), s);
        assertTrue(s.contains("if ((unsigned long)$rip >= 0xff00000000000000UL)\n"), s);
        assertTrue(s.contains("set $rbx = $ow_old ^ (1UL << 13)\n"), s);
        assertTrue(s.endsWith("end\ndetach\n"), s);
        GdbInjector.Plan m = new GdbInjector.Plan(1, GdbInjector.Target.STACK_MEMORY, 1000, p.attempts());
        String sm = new GdbInjector(41234, m, Path.of("x"), l -> { }).script(m.attempts().get(0));
        assertTrue(sm.contains("set $ow_a = (unsigned long)$rsp + 24\n"), sm);
        assertEquals(List.of("-gdb", "tcp:127.0.0.1:41234"), GdbInjector.qemuArgs(41234));
        assertEquals("Cannot access memory at address 0xff77f67e0040c000",
                GdbInjector.gdbError("OWRIP ffffffff9a217a0b\nCannot access memory at address 0xff77f67e0040c000\n"));
        assertEquals("no flip reported", GdbInjector.gdbError("OWRIP ffffffff9a217a0b\n"));
    }

    @Test
    void runPlanIsStableAndModuleCommandCarriesTheSeed() {
        List<FaultType> types = List.of(FaultType.REGFLIP, FaultType.GDB_REG, FaultType.SOFTLOCKUP);
        List<RunPlan> a = RunPlan.plan(5, types, 7);
        assertEquals(a, RunPlan.plan(5, types, 7));
        // a run's seed does not depend on how many runs the campaign has
        assertEquals(a.subList(0, 3), RunPlan.plan(3, types, 7));
        assertNotEquals(a.get(0).seed(), RunPlan.plan(1, types, 8).get(0).seed());
        assertEquals("r0003-regflip", a.get(3).id());
        assertTrue(a.stream().allMatch(r -> r.seed() >= 0));
        String cmd = Injections.command(a.get(0));
        assertTrue(cmd.endsWith("echo \"regflip " + a.get(0).seed() + " 0 $! 30\" > /proc/ow_fault"), cmd);
        assertTrue(cmd.contains("insmod /opt/ow/kmod/ow_fault.ko; mkdir -p /data/ow-trigger; "), cmd);
        assertTrue(cmd.contains("echo 1 > /proc/sys/kernel/panic_on_oops"), cmd);
        assertTrue(Injections.command(a.get(2)).endsWith("(echo softlockup > /proc/ow_fault &)"));
        assertEquals(types, FaultType.parseList(List.of("regflip,gdb-reg", "softlockup")));
        // a gdb run opens the stub on loopback and injects from the host; the guest only gets the detectors
        org.otherworld.vmtest.trial.Trial.Injection gdb = Injections.of(a.get(1), Path.of("/tmp"), l -> { });
        assertEquals("-gdb", gdb.qemuArgs().get(0));
        assertTrue(gdb.qemuArgs().get(1).matches("tcp:127\\.0\\.0\\.1:\\d+"), gdb.qemuArgs().toString());
        assertTrue(gdb.hostAction() instanceof GdbInjector);
        assertEquals(Injections.DETECTORS, gdb.command());
        assertEquals(FaultType.GDB_REG.manifestBound(), gdb.manifestBound());
        assertEquals(null, Injections.of(a.get(0), Path.of("/tmp"), l -> { }).hostAction());
        assertEquals(FaultType.values().length, FaultType.parseList(List.of()).size());
    }

    /**
     * The trigger part of a module run's command, run for real in a local shell (with a temporary
     * directory and file standing in for /data/ow-trigger and /proc/ow_fault): the module is armed with
     * the pid of a live process that keeps writing the trigger file, and that is not the shell itself.
     */
    @Test
    void triggerProcessIsArmedByPidAndWritesItsFile(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("trigger");
        Path proc = tmp.resolve("ow_fault");
        String cmd = Injections.armWithTrigger("null 42", dir.toString(), proc.toString());
        Process sh = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
        assertEquals(0, sh.waitFor());
        String arm = java.nio.file.Files.readString(proc).strip();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("null 42 0 (\\d+) 30").matcher(arm);
        assertTrue(m.matches(), arm);
        long pid = Long.parseLong(m.group(1));
        assertEquals(String.valueOf(pid), java.nio.file.Files.readString(dir.resolve("pid")).strip());
        assertNotEquals(sh.pid(), pid);
        ProcessHandle trigger = ProcessHandle.of(pid).orElseThrow();
        try {
            assertTrue(trigger.isAlive());
            // its writes keep coming: the file is rewritten after we delete it
            long deadline = System.nanoTime() + 5_000_000_000L;
            java.nio.file.Files.deleteIfExists(dir.resolve("t"));
            while (!java.nio.file.Files.exists(dir.resolve("t")) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(java.nio.file.Files.exists(dir.resolve("t")), "the trigger does not write its file");
            assertTrue(trigger.info().commandLine().orElse("").contains("while :"), trigger.info().toString());
        } finally {
            trigger.destroyForcibly();
            trigger.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
