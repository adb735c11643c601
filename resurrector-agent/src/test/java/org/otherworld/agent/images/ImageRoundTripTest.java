package org.otherworld.agent.images;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.proto.CoreEntry;
import org.otherworld.agent.images.proto.MmEntry;
import org.otherworld.agent.images.proto.PagemapEntry;
import org.otherworld.agent.images.proto.PagemapHead;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageRoundTripTest {
    @TempDir
    Path dir;

    private final ImageWriter writer = new ImageWriter(XsaveLayout.INTEL_AVX512);
    private final ImageReader reader = new ImageReader(XsaveLayout.INTEL_AVX512);

    @Test
    void writesTheFilesCriuExpects() throws IOException {
        WriteResult r = writer.write(dir, SyntheticTree.tree());
        for (String f : List.of("inventory.img", "pstree.img", "files.img", "ids-100.img", "core-100.img",
                "core-101.img", "mm-100.img", "pagemap-100.img", "pages-1.img", "fdinfo-2.img", "fs-100.img",
                "ids-102.img", "core-102.img", "mm-102.img", "pagemap-102.img", "pages-2.img", "fdinfo-3.img",
                "fs-102.img")) {
            assertTrue(Files.exists(dir.resolve(f)), f);
            assertTrue(r.files().contains(f), f);
        }
        assertEquals(18, r.files().size());
        assertEquals(9, r.pagesWritten());
        assertEquals(0, r.pagesSkipped());
        assertEquals(4 + 1, r.pagemapEntries()); // parent: data, heap 3, heap gap, stack; child: 1
        assertEquals(8L * ImageFormat.PAGE_SIZE, Files.size(dir.resolve("pages-1.img")));
    }

    @Test
    void roundTripsTheProcessTree() throws IOException {
        List<ProcessImage> in = SyntheticTree.tree();
        writer.write(dir, in);
        ImageSet set = reader.read(dir);
        assertEquals(2, set.inventory().getImgVersion());
        assertTrue(set.inventory().getFdinfoPerId());
        assertEquals(2, set.processes().size());
        for (int i = 0; i < in.size(); i++) {
            ProcessImage a = in.get(i), b = set.processes().get(i);
            assertEquals(a.pid(), b.pid());
            assertEquals(i == 0 ? 0 : a.ppid(), b.ppid()); // the root's parent is written as 0
            assertEquals(a.pgid(), b.pgid());
            assertEquals(a.sid(), b.sid());
            assertEquals(a.comm(), b.comm());
            assertEquals(a.taskFlags(), b.taskFlags());
            assertEquals(a.fs(), b.fs());
            assertEquals(a.sigactions(), b.sigactions());
            assertEquals(a.rlimits(), b.rlimits());
            assertEquals(a.creds().capBnd(), b.creds().capBnd());
            assertEquals(a.creds().uid(), b.creds().uid());
            assertArrayEquals(a.creds().groups(), b.creds().groups());
            assertEquals(a.mm().vmas(), b.mm().vmas());
            assertEquals(a.mm().exePath(), b.mm().exePath());
            assertArrayEquals(a.mm().auxv(), b.mm().auxv());
            assertEquals(a.mm().brk(), b.mm().brk());
            assertEquals(a.fds().size(), b.fds().size());
            for (int f = 0; f < a.fds().size(); f++) {
                assertEquals(a.fds().get(f).fd(), b.fds().get(f).fd());
                assertEquals(a.fds().get(f).cloexec(), b.fds().get(f).cloexec());
                assertEquals(a.fds().get(f).file(), b.fds().get(f).file());
            }
            assertEquals(a.threads().size(), b.threads().size());
            for (int t = 0; t < a.threads().size(); t++) {
                ThreadImage x = a.threads().get(t), y = b.threads().get(t);
                assertEquals(x.tid(), y.tid());
                assertEquals(x.comm(), y.comm());
                assertEquals(x.regs(), y.regs());
                assertEquals(x.blockedSigset(), y.blockedSigset());
                assertEquals(x.sigAltStack(), y.sigAltStack());
                assertEquals(x.clearChildTid(), y.clearChildTid());
                assertEquals(x.robustList(), y.robustList());
                assertEquals(x.rseq(), y.rseq());
                assertEquals(1, y.pendingSignals().size());
                assertArrayEquals(x.pendingSignals().get(0), y.pendingSignals().get(0));
                if (x.xsave() == null) {
                    assertNull(y.xsave());
                } else {
                    assertArrayEquals(x.xsave(), y.xsave());
                }
            }
        }
        // dup'ed descriptors share one open file description
        List<FdImage> fds = set.processes().get(0).fds();
        assertSame(fds.get(1).file(), fds.get(2).file());
        // pages come back in order with their contents
        List<Long> seen = new ArrayList<>();
        set.processes().get(0).pages().forEachPage((va, data, off) -> {
            seen.add(va);
            assertArrayEquals(SyntheticTree.page(va), java.util.Arrays.copyOfRange(data, off, off + ImageFormat.PAGE_SIZE));
        });
        assertEquals(SyntheticTree.pageAddresses(), seen);
    }

    @Test
    void coreAndMmFieldsMatchCriuConventions() throws IOException {
        writer.write(dir, SyntheticTree.tree());
        CoreEntry leader, thread;
        try (ImageInput in = ImageInput.open(dir.resolve("core-100.img"), ImageFormat.CORE_MAGIC)) {
            leader = in.only(CoreEntry.parser());
        }
        try (ImageInput in = ImageInput.open(dir.resolve("core-101.img"), ImageFormat.CORE_MAGIC)) {
            thread = in.only(CoreEntry.parser());
        }
        assertTrue(leader.hasTc());
        assertFalse(thread.hasTc());
        assertEquals(62, leader.getTc().getSigactionsCount()); // 64 minus SIGKILL and SIGSTOP
        assertEquals(0x04000004L, leader.getTc().getSigactions(8).getFlags()); // SIGUSR1 (10): 9th kept (9 skipped)
        assertEquals(1, leader.getTc().getSigactions(11).getSigaction()); // SIGPIPE (13): 12th kept (9 skipped)
        assertEquals(3, leader.getThreadInfo().getTlsCount());
        assertEquals(64, leader.getThreadInfo().getFpregs().getXsave().getYmmhSpaceCount());
        assertEquals(128, leader.getThreadInfo().getFpregs().getXsave().getHi16ZmmCount());
        assertEquals(2, leader.getThreadInfo().getFpregs().getXsave().getPkruCount());
        assertEquals(0, leader.getThreadInfo().getFpregs().getXsave().getBndregStateCount());
        assertFalse(thread.getThreadInfo().getFpregs().hasXsave());
        assertEquals(0x37f, thread.getThreadInfo().getFpregs().getCwd());
        assertEquals(32, thread.getThreadInfo().getFpregs().getStSpaceCount());
        assertEquals(64, thread.getThreadInfo().getFpregs().getXmmSpaceCount());
        assertEquals(24, leader.getThreadCore().getFutexRlaLen());
        assertEquals(2, leader.getThreadCore().getCreds().getCapEffCount());
        MmEntry mm;
        try (ImageInput in = ImageInput.open(dir.resolve("mm-100.img"), ImageFormat.MM_MAGIC)) {
            mm = in.only(MmEntry.parser());
        }
        assertEquals(mm.getExeFileId(), mm.getVmas(0).getShmid()); // text VMA maps the exe file
        assertEquals(-1, mm.getVmas(2).getFd());
        assertEquals(0x221, mm.getVmas(2).getStatus());
        try (ImageInput in = ImageInput.open(dir.resolve("pagemap-100.img"), ImageFormat.PAGEMAP_MAGIC)) {
            assertEquals(1, in.next(PagemapHead.parser()).getPagesId());
            PagemapEntry e = in.next(PagemapEntry.parser());
            assertEquals(SyntheticTree.DATA, e.getVaddr());
            assertEquals(2, e.getNrPages());
            assertEquals(ImageFormat.PE_PRESENT, e.getFlags());
            assertEquals(3, in.next(PagemapEntry.parser()).getNrPages());
        }
    }

    /** Registers of a thread inside system call {@code nr} (ax = -ENOSYS, ip after the syscall instruction). */
    private static X86Regs inSyscall(long nr) {
        return new X86Regs(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -38, 0, 0, 0, 0, nr, 0x401002, 0x33, 0x246, 0x7ffe0000,
                0x2b, 0, 0, 0, 0, 0, 0);
    }

    /** The registers of the synthetic tree's first thread after writing it with {@code r} and {@code action}. */
    private X86Regs writtenAndReadBack(X86Regs r, SyscallRestart action, long result) throws IOException {
        ProcessImage p = SyntheticTree.tree().get(0);
        ThreadImage t = p.threads().get(0);
        ThreadImage inCall = new ThreadImage(t.tid(), t.comm(), r, action, null, 0, null, 0, 0, null, null, result);
        ProcessImage q = new ProcessImage(p.pid(), 0, p.pgid(), p.sid(), p.comm(), 0, 0, List.of(inCall), p.mm(),
                PageSource.NONE, List.of(), p.fs(), p.sigactions(), p.creds(), p.rlimits(), null);
        writer.write(dir, List.of(q));
        return reader.read(dir).processes().get(0).threads().get(0).regs();
    }

    @Test
    void syscallRestartRewindsTheRegisters() throws IOException {
        X86Regs r = inSyscall(35);
        X86Regs back = writtenAndReadBack(r, SyscallRestart.RESTART, 0);
        assertEquals(35, back.ax());
        assertEquals(0x401000, back.ip());
        assertEquals(SyscallRestart.MINUS_EINTR, SyscallRestart.EINTR.apply(r).ax());
    }

    @Test
    void completedCloneReturnsTheChildsId() throws IOException {
        X86Regs back = writtenAndReadBack(inSyscall(58), SyscallRestart.RETURN, 180);
        assertEquals(180, back.ax());
        assertEquals(0x401002, back.ip());
        assertEquals(58, back.origAx());
    }
}
