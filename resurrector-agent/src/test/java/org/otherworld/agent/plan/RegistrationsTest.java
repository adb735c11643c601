package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.task.ProcessModel;

class RegistrationsTest {
    @TempDir
    Path state;

    static String record(int pid, long start, String policy, int procedures) {
        return "# otherworld registration record\nformat=1\npid=" + pid + "\nstarttime=" + start + "\npolicy=" + policy
                + "\npolicy_code=1\nprocedures=" + procedures + "\nexe=/usr/bin/java\ncmdline=java\\tx\tServer\n"
                + "delivery=signal\nsignal=PWR\nsignal_number=30\nkernel=none\nfuture_key=ignored\n";
    }

    private void write(String name, String text) throws Exception {
        Files.createDirectories(state.resolve("registrations"));
        Files.writeString(state.resolve("registrations").resolve(name), text);
    }

    @Test
    void matchesByPidAndStartTime() throws Exception {
        ProcessModel p = Models.simple(300, 1, 300, "java"); // startTimeTicks = 300
        write("300-300.reg", record(300, 300, "RESURRECT_WITH_PROCEDURE", 2));
        write("301-999.reg", record(301, 999, "NEVER_RESURRECT", 0));
        Registrations r = Registrations.load(state, KernelRegistrationSource.NONE);
        assertEquals(2, r.records());
        Registration reg = r.of(p).orElseThrow();
        assertEquals(2, reg.procedures());
        assertEquals(Policy.RESURRECT_WITH_PROCEDURE, reg.policy());
        assertTrue(reg.hasProcedure());
        // pid 301 was reused: the dead kernel's process 301 started at tick 301, the record says 999
        assertEquals(Optional.empty(), r.of(Models.simple(301, 1, 301, "other")));
    }

    @Test
    void staleOrBadRecordsAreIgnoredWithAReason() throws Exception {
        write("400-400.reg", record(400, 401, "RESURRECT_WITH_PROCEDURE", 1)); // name and content disagree
        write("401-401.reg", "format=7\npid=401\nstarttime=401\n");
        write("402-402.reg", "format=1\npid=402\nstarttime=402\npolicy=BOGUS\n");
        write("notes.txt", "not a record");
        Registrations r = Registrations.load(state, KernelRegistrationSource.NONE);
        assertEquals(0, r.records());
        assertEquals(3, r.errors().size());
        assertFalse(r.of(Models.simple(400, 1, 400, "x")).isPresent());
    }

    @Test
    void kernelFieldWinsOverRecord() throws Exception {
        write("500-500.reg", record(500, 500, "RESURRECT_WITH_PROCEDURE", 1).replace("delivery=signal", "delivery=poll"));
        Registrations r = Registrations.load(state, p -> KernelRegistrationSource.Answer.registered(
                new Registration(p.pid(), p.startTimeTicks(), Policy.NEVER_RESURRECT, 0, "signal", "kernel")));
        Registration reg = r.of(Models.simple(500, 1, 500, "x")).orElseThrow();
        assertEquals(Policy.NEVER_RESURRECT, reg.policy());
        assertEquals("kernel", reg.sourceKind());
        assertEquals("poll", reg.delivery(), "the record still supplies the delivery mode");
        // no record at all: the kernel alone registers the process
        reg = r.of(Models.simple(501, 1, 501, "y")).orElseThrow();
        assertEquals("signal", reg.delivery());
    }

    @Test
    void kernelUnregisteredWithdrawsOnlyARecordWrittenThroughPrctl() throws Exception {
        write("600-600.reg", record(600, 600, "RESURRECT_WITH_PROCEDURE", 1).replace("kernel=none", "kernel=prctl"));
        write("601-601.reg", record(601, 601, "RESURRECT_WITH_PROCEDURE", 1)); // kernel=none
        Registrations r = Registrations.load(state, p -> KernelRegistrationSource.Answer.unregistered());
        assertFalse(r.of(Models.simple(600, 1, 600, "x")).isPresent(), "exec'd since: the kernel says policy 0");
        assertEquals(1, r.notes().size());
        assertTrue(r.notes().get(0).contains("600-600.reg"), r.notes().toString());
        Registration reg = r.of(Models.simple(601, 1, 601, "y")).orElseThrow();
        assertEquals("record", reg.sourceKind(), "the SDK never told the kernel: the record counts");
    }

    @Test
    void unreadableKernelFieldFallsBackToTheRecordWithANote() throws Exception {
        write("700-700.reg", record(700, 700, "RESURRECT_EVEN_IF_PARTIAL", 0).replace("kernel=none", "kernel=prctl"));
        Registrations r = Registrations.load(state, p -> KernelRegistrationSource.Answer.unusable("mm unreadable"));
        assertEquals(Policy.RESURRECT_EVEN_IF_PARTIAL, r.of(Models.simple(700, 1, 700, "x")).orElseThrow().policy());
        assertEquals(List.of("mm unreadable; the record is used"), r.notes());
        assertFalse(r.kernelSource());
    }

    @Test
    void missingDirectoryMeansNoRecords() {
        assertEquals(0, Registrations.load(state.resolve("nope"), null).records());
    }

    @Test
    void escapingRoundTrips() {
        String s = "a\\b\tc\nd\re";
        assertEquals(s, Registration.unescape(Registration.escape(s)));
        assertThrows(IllegalArgumentException.class, () -> Registration.parse("format=1\npid=x\n", "t"));
    }
}
