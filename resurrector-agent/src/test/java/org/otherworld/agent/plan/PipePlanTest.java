package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.files.FileKind;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.images.FdImage;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.images.PipeImage;
import org.otherworld.agent.images.ProcessImage;
import org.otherworld.agent.images.SyscallRestart;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.ThreadModel;

/** Pipes and FIFOs: restored with their data when the ring was read; the restart rule for reads/writes. */
class PipePlanTest {
    static final SystemPolicy POLICY = SystemPolicy.parse("pid 1\n", "test");
    static final long PIPE_INO = 5150;
    static final byte[] DATA = "0000001 0000002 00".getBytes();

    static OpenFile pipeEnd(int fd, long structFile, boolean write) {
        return new OpenFile(fd, false, structFile, write ? 01 : 0, write ? 2 : 1, 0, "pipe:[" + PIPE_INO + "]", 12,
                0xffff888000500000L, PIPE_INO, OpenFile.S_IFIFO | 0600, 0, 12, "pipefs", 0, "pipefifo_fops",
                FileKind.PIPE, null, "pipe:[" + PIPE_INO + "]");
    }

    static OpenFile fifo(int fd, String path, String fs) {
        return new OpenFile(fd, false, 0xd000L + fd, 02, 3, 0, path, 20, 0xffff888000600000L, 99, OpenFile.S_IFIFO | 0644,
                0, 254 << 20, fs, 0, "pipefifo_fops", FileKind.FIFO, null, path);
    }

    static ProcessModel withThreadIn(ProcessModel p, long nr, long fd) {
        List<ThreadModel> t = List.of(Models.thread(p.pid(), Models.regs(nr, -38, fd, 0)));
        return new ProcessModel(p.task(), p.pid(), p.ppid(), p.pgid(), p.sid(), p.comm(), p.state(), p.flags(),
                p.startBoottimeNs(), p.startTimeNs(), p.startTimeTicks(), p.cred(), p.rlimits(), p.personality(),
                p.umask(), p.cwd(), p.root(), p.mm(), t, p.vmas(), p.pages(), p.actions(), p.sharedPending(),
                p.sharedQueued(), p.files(), p.errors());
    }

    static final PipeFacts FACTS = new PipeFacts(new PipeImage(PIPE_INO, 65536, DATA), 1, 1, null);

    static Planner planner(SocketOracle o) {
        return new Planner(POLICY, Registrations.none(), v -> "ext4", Planner.Config.defaults(), o,
                IpcNamespaceOracle.INITIAL);
    }

    static SocketOracle pipes(PipeFacts facts) {
        return new SocketOracle() {
            @Override
            public UnixSocketFacts unix(OpenFile f) {
                return null;
            }

            @Override
            public PipeFacts pipe(OpenFile f) {
                return facts;
            }
        };
    }

    @Test
    void bothEndsAreRestoredWithTheDataAndBlockedReadsAndWritesRestart() {
        ProcessModel producer = Models.process(30, 1, 30, "producer", List.of(pipeEnd(1, 0xa001, true)), List.of());
        ProcessModel consumer = Models.process(31, 30, 30, "consumer", List.of(pipeEnd(0, 0xa002, false),
                pipeEnd(5, 0xa002, false)), List.of());
        producer = withThreadIn(producer, SyscallRule.WRITE, 1);
        consumer = withThreadIn(consumer, SyscallRule.READ, 0);
        Planner.Result r = planner(pipes(FACTS)).plan(List.of(producer, consumer), Set.of());
        ProcessPlan p = r.process(30).orElseThrow();
        ProcessPlan c = r.process(31).orElseThrow();
        assertTrue(p.resurrect(), p.reason());
        assertEquals("fully restorable", c.reason());
        assertTrue(p.unrestored().isEmpty());
        assertEquals(SyscallRestart.RESTART, p.syscalls().get(30).action(), p.syscalls().get(30).reason());
        assertEquals(SyscallRestart.RESTART, c.syscalls().get(31).action());
        assertEquals(1, r.trees().size());

        ProcessImage ci = ImageMapper.simple().map(c, false, ImageMapper.simple().vmas(consumer), PageSource.NONE);
        FdImage fd0 = ci.fds().stream().filter(f -> f.fd() == 0).findFirst().orElseThrow();
        FdImage fd5 = ci.fds().stream().filter(f -> f.fd() == 5).findFirst().orElseThrow();
        assertEquals(org.otherworld.agent.images.FileKind.PIPE, fd0.file().kind());
        assertTrue(fd0.file() == fd5.file(), "dups of one struct file share a description");
        assertArrayEquals(DATA, fd0.file().pipe().data());
        assertEquals(PIPE_INO, fd0.file().pipe().pipeId());
        assertEquals(0, fd0.file().flags());
    }

    @Test
    void unknownOrUnsupportedPipesStayUnrestoredWithTheReason() {
        ProcessModel producer = withThreadIn(Models.process(30, 1, 30, "producer", List.of(pipeEnd(1, 0xa001, true)),
                List.of()), SyscallRule.WRITE, 1);
        ProcessPlan unknown = planner(SocketOracle.UNKNOWN).plan(List.of(producer), Set.of()).process(30).orElseThrow();
        assertFalse(unknown.resurrect());
        assertEquals("pipe", unknown.unrestored().get(0).kind());
        assertEquals("the pipe's state could not be read", unknown.unrestored().get(0).reason());
        assertEquals(SyscallRestart.EINTR, unknown.syscalls().get(30).action(), "write on an unrestored pipe: EINTR");
        ProcessPlan packet = planner(pipes(PipeFacts.unrestorable("packet-mode pipe (O_DIRECT) is not restored")))
                .plan(List.of(producer), Set.of()).process(30).orElseThrow();
        assertEquals("packet-mode pipe (O_DIRECT) is not restored", packet.unrestored().get(0).reason());
    }

    @Test
    void fifosNeedAPersistentPathAndTheirRing() {
        PipeFacts f = new PipeFacts(new PipeImage(99, 4096, new byte[] {1, 2, 3}), 1, 1, null);
        var ok = ResourceClassifier.classify(fifo(4, "/data/ctl.fifo", "ext4"), null, f, null);
        assertTrue(ok.restored());
        assertEquals(org.otherworld.agent.images.FileKind.FIFO, ok.image().kind());
        assertEquals("/data/ctl.fifo", ok.image().path());
        assertEquals(OpenFile.S_IFIFO | 0644, ok.image().mode());
        var tmp = ResourceClassifier.classify(fifo(4, "/tmp/ctl.fifo", "tmpfs"), null, f, null);
        assertEquals("FIFOs on tmpfs do not survive the crash", tmp.unrestored().reason());
        var gone = ResourceClassifier.classify(fifo(4, "/data/ctl.fifo (deleted)", "ext4"), null, f, null);
        assertEquals("fifo", gone.unrestored().kind());
        assertTrue(gone.unrestored().reason().contains("deleted"));
    }
}
