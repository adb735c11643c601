package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.files.FileKind;
import org.otherworld.agent.images.SyscallRestart;
import org.otherworld.agent.task.FpuProvenance;
import org.otherworld.agent.task.ProcessModel;

class PlannerTest {
    @TempDir
    Path state;

    private static final SystemPolicy POLICY = SystemPolicy.parse("pid 1\ninit-child sh\ncomm udevd\n", "test");

    private Planner planner(Registrations regs, Planner.Config c) {
        return new Planner(POLICY, regs, v -> v.path() != null && v.path().startsWith("/tmp") ? "tmpfs" : "ext4", c);
    }

    private Planner.Result plan(List<ProcessModel> ps, Set<Integer> faulty) {
        return planner(Registrations.none(), Planner.Config.defaults()).plan(ps, faulty);
    }

    private void register(int pid, String policy, int procedures) throws Exception {
        Files.createDirectories(state.resolve("registrations"));
        Files.writeString(state.resolve("registrations/" + pid + "-" + pid + ".reg"),
                RegistrationsTest.record(pid, pid, policy, procedures));
    }

    @Test
    void systemProcessesAndTheirSessionAreExcludedWorkloadsAreNot() {
        ProcessModel init = Models.simple(1, 0, 1, "sh");
        ProcessModel console = Models.simple(10, 1, 1, "sh");
        ProcessModel consoleChild = Models.simple(11, 10, 1, "cat");
        ProcessModel udevd = Models.simple(12, 1, 12, "udevd");
        ProcessModel workload = Models.simple(20, 1, 20, "sh"); // setsid: its own session
        ProcessModel child = Models.simple(21, 20, 20, "sleep");
        Planner.Result r = plan(List.of(init, console, consoleChild, udevd, workload, child), Set.of());
        assertFalse(r.process(1).orElseThrow().resurrect());
        assertEquals("helper of pid 1 (sh)", r.process(10).orElseThrow().reason());
        assertTrue(r.process(11).orElseThrow().reason().contains("session of system process 10"));
        assertFalse(r.process(12).orElseThrow().resurrect());
        assertTrue(r.process(20).orElseThrow().resurrect());
        assertTrue(r.process(21).orElseThrow().resurrect());
        assertEquals(1, r.trees().size());
        ResurrectionPlan t = r.trees().get(0);
        assertEquals(20, t.rootPid());
        assertEquals(List.of(20, 21), t.processes().stream().map(ProcessPlan::pid).toList());
        assertFalse(t.shellJob());
        assertEquals(SyscallRestart.RESTART, t.root().syscalls().get(20).action()); // nanosleep
    }

    @Test
    void unrestoredResourcesNeedAProcedure() throws Exception {
        ProcessModel server = Models.process(30, 1, 30, "server", List.of(Models.socket(5),
                Models.file(1, FileKind.REGULAR, "/data/log", "ext4")), List.of());
        Planner.Result r = plan(List.of(server), Set.of());
        ProcessPlan p = r.process(30).orElseThrow();
        assertFalse(p.resurrect());
        assertTrue(p.reason().contains("no crash procedure"), p.reason());
        assertEquals(1, p.unrestored().size());
        assertEquals("tcp", p.unrestored().get(0).kind());
        assertEquals(5, p.unrestored().get(0).fd());
        assertEquals("tcp 0.0.0.0:8080 LISTEN", p.unrestored().get(0).description());

        register(30, "RESURRECT_WITH_PROCEDURE", 1);
        Registrations regs = Registrations.load(state, null);
        ProcessPlan withProc = planner(regs, Planner.Config.defaults()).plan(List.of(server), Set.of()).process(30)
                .orElseThrow();
        assertTrue(withProc.resurrect(), withProc.reason());
        assertTrue(withProc.crashProcedure());

        assertTrue(planner(Registrations.none(), new Planner.Config(false, true)).plan(List.of(server), Set.of())
                .process(30).orElseThrow().resurrect());
    }

    @Test
    void evenIfPartialAndNeverResurrectPolicies() throws Exception {
        ProcessModel a = Models.process(40, 1, 40, "a", List.of(Models.socket(3)), List.of());
        ProcessModel b = Models.simple(41, 1, 41, "b");
        register(40, "RESURRECT_EVEN_IF_PARTIAL", 0);
        register(41, "NEVER_RESURRECT", 0);
        Planner.Result r = planner(Registrations.load(state, null), Planner.Config.defaults()).plan(List.of(a, b),
                Set.of());
        assertTrue(r.process(40).orElseThrow().resurrect());
        assertFalse(r.process(40).orElseThrow().crashProcedure());
        assertEquals("opted out (NEVER_RESURRECT)", r.process(41).orElseThrow().reason());
    }

    @Test
    void faultyProcessNeedsAProcedure() throws Exception {
        ProcessModel f = Models.simple(50, 1, 50, "writer");
        ProcessPlan p = plan(List.of(f), Set.of(50)).process(50).orElseThrow();
        assertTrue(p.faulty());
        assertFalse(p.resurrect());
        assertTrue(p.reason().startsWith("faulty process"));
        register(50, "RESURRECT_WITH_PROCEDURE", 1);
        assertTrue(planner(Registrations.load(state, null), Planner.Config.defaults()).plan(List.of(f), Set.of(50))
                .process(50).orElseThrow().resurrect());
    }

    @Test
    void staleFpuIsReportedButNeverBlocks() throws Exception {
        ProcessModel stock = Models.withThreads(Models.simple(90, 1, 90, "calc"),
                Models.running(91, 3, FpuProvenance.APPROXIMATE, false));
        ProcessPlan p = plan(List.of(stock), Set.of()).process(90).orElseThrow();
        assertTrue(p.resurrect(), p.reason());
        assertEquals("fully restorable; FPU state of 1 thread approximate", p.reason());
        assertEquals(1, p.unrestored().size());
        UnrestoredResource u = p.unrestored().get(0);
        assertEquals(-1, u.fd());
        assertEquals("fpu", u.kind());
        assertEquals("FPU/SSE/AVX registers of thread 91", u.description());
        assertEquals("running on CPU 3 at the crash; its saved FPU state is stale (kernel without the crash FPU"
                + " save patch)", u.reason());
        assertTrue(u.advisory());
        // the manifest carries it for the crash procedure
        Map<String, Object> m = SetManifest.of(new ResurrectionPlan(90, 1, List.of(p), false), List.of(p), null, "");
        Object entry = ((Map<?, ?>) ((List<?>) m.get("processes")).get(0)).get("unrestored");
        assertEquals("fpu", ((Map<?, ?>) ((List<?>) entry).get(0)).get("kind"));

        // patched kernel whose save did not run: same resource, other reason
        ProcessModel patched = Models.withThreads(Models.simple(92, 1, 92, "calc"),
                Models.running(93, 0, FpuProvenance.APPROXIMATE, true));
        assertTrue(plan(List.of(patched), Set.of()).process(92).orElseThrow().unrestored().get(0).reason()
                .endsWith("(the crash FPU save did not run for it)"));
        // saved at the crash or exact: nothing reported
        ProcessModel saved = Models.withThreads(Models.simple(94, 1, 94, "calc"),
                Models.running(95, 1, FpuProvenance.SAVED_AT_CRASH, true),
                Models.running(96, 2, FpuProvenance.EXACT, true));
        ProcessPlan sp = plan(List.of(saved), Set.of()).process(94).orElseThrow();
        assertEquals(List.of(), sp.unrestored());
        assertEquals("fully restorable", sp.reason());
        // with a real unrestored resource the FPU note does not count as one
        ProcessModel sock = Models.withThreads(Models.process(97, 1, 97, "srv", List.of(Models.socket(4)), List.of()),
                Models.running(98, 1, FpuProvenance.APPROXIMATE, false));
        ProcessPlan q = plan(List.of(sock), Set.of()).process(97).orElseThrow();
        assertFalse(q.resurrect());
        assertTrue(q.reason().startsWith("1 unrestored resource (tcp fd 4)"), q.reason());
        register(97, "RESURRECT_WITH_PROCEDURE", 1);
        q = planner(Registrations.load(state, null), Planner.Config.defaults()).plan(List.of(sock), Set.of())
                .process(97).orElseThrow();
        assertEquals("1 unrestored resource; the crash procedure decides; FPU state of 1 thread approximate",
                q.reason());
        assertEquals(2, q.unrestored().size());
    }

    @Test
    void memoryThatCannotBeRebuiltBlocksEvenWithAProcedure() throws Exception {
        ProcessModel shm = Models.process(60, 1, 60, "shm", List.of(), List.of(
                Models.fileVma(0x700000, 0x710000, "/SYSV4f00001b (deleted)", true)));
        ProcessModel tmp = Models.process(61, 1, 61, "tmp", List.of(), List.of(
                Models.fileVma(0x700000, 0x710000, "/tmp/hsperfdata_root/61", true)));
        register(60, "RESURRECT_WITH_PROCEDURE", 1);
        Planner.Result r = planner(Registrations.load(state, null), Planner.Config.defaults()).plan(List.of(shm, tmp),
                Set.of());
        assertTrue(r.process(60).orElseThrow().reason().contains("SysV shared memory"));
        assertFalse(r.process(60).orElseThrow().resurrect());
        assertTrue(r.process(61).orElseThrow().reason().contains("tmpfs"), r.process(61).orElseThrow().reason());
        assertTrue(r.trees().isEmpty());
    }

    @Test
    void childOfANonResurrectedParentRootsItsOwnTreeAsShellJob() {
        ProcessModel parent = Models.process(70, 1, 70, "p", List.of(Models.socket(4)), List.of());
        ProcessModel child = Models.simple(71, 70, 70, "c");
        Planner.Result r = plan(List.of(parent, child), Set.of());
        assertEquals(1, r.trees().size());
        assertEquals(71, r.trees().get(0).rootPid());
        assertEquals(70, r.trees().get(0).parentPid());
        assertTrue(r.trees().get(0).shellJob()); // its session leader 70 is not restored
    }

    @Test
    void zombiesAndUnreadableProcessesAreNotResurrected() {
        ProcessModel z = Models.simple(80, 1, 80, "z");
        ProcessModel zombie = new ProcessModel(z.task(), 80, 1, 80, 80, "z", 'Z', 0, 0, 0, 80, z.cred(), List.of(), 0,
                0, null, null, null, z.threads(), List.of(), List.of(), z.actions(), 0, List.of(), List.of(), List.of());
        ProcessModel bad = new ProcessModel(z.task(), 81, 1, 81, 81, "b", 'S', 0, 0, 0, 81, z.cred(), List.of(), 0, 0,
                "/", "/", z.mm(), z.threads(), z.vmas(), List.of(), z.actions(), 0, List.of(), z.files(),
                List.of("vmas: maple node 0xffff... unreadable"));
        Planner.Result r = plan(List.of(zombie, bad), Set.of());
        assertTrue(r.process(80).orElseThrow().reason().startsWith("zombie"));
        assertTrue(r.process(81).orElseThrow().reason().startsWith("cannot be rebuilt: unreadable vmas"));
    }

    @Test
    void defaultPolicyParsesAndMatchesTheGuestsHelpers() {
        SystemPolicy d = SystemPolicy.defaults();
        assertTrue(d.match(Models.simple(1, 0, 1, "sh")).isPresent());
        assertTrue(d.match(Models.simple(161, 1, 1, "dd")).isPresent());
        assertFalse(d.match(Models.simple(165, 1, 165, "sh")).isPresent());
        assertTrue(d.match(Models.simple(300, 1, 300, "agetty")).isPresent());
    }
}
