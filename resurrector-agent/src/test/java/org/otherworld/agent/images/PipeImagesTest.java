package org.otherworld.agent.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.proto.FdTypes;
import org.otherworld.agent.images.proto.FdinfoEntry;
import org.otherworld.agent.images.proto.FileEntry;
import org.otherworld.agent.images.proto.PipeDataEntry;

/** Pipes (files.img PIPE + pipes-data.img) and FIFOs (FIFO + REG + fifo-data.img): write, read back. */
class PipeImagesTest {
    @TempDir
    Path dir;

    static final int O_WRONLY = 01, O_RDONLY = 0, O_RDWR = 02, O_NONBLOCK = 04000;
    static final long PIPE_INO = 41234, FIFO_INO = 777;

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    static ProcessImage withFds(ProcessImage p, List<FdImage> extra) {
        List<FdImage> fds = new ArrayList<>(p.fds());
        fds.addAll(extra);
        return new ProcessImage(p.pid(), p.ppid(), p.pgid(), p.sid(), p.comm(), p.taskFlags(), p.personality(),
                p.threads(), p.mm(), p.pages(), fds, p.fs(), p.sigactions(), p.creds(), p.rlimits(), p.sharedPending());
    }

    /** Parent holds the write end (fd 5) and a FIFO (fd 9); child the read end (fd 0, nonblocking). */
    static List<ProcessImage> tree(byte[] pipeData, byte[] fifoData) {
        List<ProcessImage> base = SyntheticTree.tree();
        PipeImage pipe = new PipeImage(PIPE_INO, 16 * 4096, pipeData);
        PipeImage fifo = new PipeImage(FIFO_INO, 4096, fifoData);
        FileImage w = FileImage.pipe(pipe, O_WRONLY);
        FileImage r = FileImage.pipe(pipe, O_RDONLY | O_NONBLOCK);
        FileImage f = FileImage.fifo(fifo, "/data/work/ctl.fifo", O_RDWR, 010644);
        return List.of(withFds(base.get(0), List.of(new FdImage(5, false, w), new FdImage(9, true, f))),
                withFds(base.get(1), List.of(new FdImage(10, false, r))));
    }

    @Test
    void roundTripsPipeEndsFifoAndTheirData() throws Exception {
        byte[] pd = bytes(70000 - 4096 * 2, 5); // several pages' worth, not page aligned
        byte[] fd = bytes(100, 9);
        WriteResult w = new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree(pd, fd));
        assertTrue(w.files().contains("pipes-data.img"), w.files().toString());
        assertTrue(w.files().contains("fifo-data.img"), w.files().toString());

        // the data file: one pipe_data_entry, then exactly the bytes (no padding)
        PipeDataEntry e;
        try (ImageInput in = ImageInput.open(dir.resolve("pipes-data.img"), ImageFormat.PIPES_DATA_MAGIC)) {
            e = in.next(PipeDataEntry.parser());
            assertArrayEquals(pd, in.raw(e.getBytes(), 0));
            assertEquals(null, in.next(PipeDataEntry.parser()), "data written once for both ends");
        }
        assertEquals(PIPE_INO, e.getPipeId());
        assertEquals(16 * 4096, e.getSize());

        // files.img as criu reads it: two PIPE entries with one pipe_id; FIFO -> REG with path and mode
        List<FileEntry> files;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.files()), ImageFormat.FILES_MAGIC)) {
            files = in.all(FileEntry.parser(), 100);
        }
        List<FileEntry> pipes = files.stream().filter(FileEntry::hasPipe).toList();
        assertEquals(2, pipes.size());
        pipes.forEach(p -> {
            assertEquals(FdTypes.PIPE, p.getType());
            assertEquals(PIPE_INO, p.getPipe().getPipeId());
            assertEquals(p.getId(), p.getPipe().getId());
            assertTrue(p.getPipe().isInitialized());
        });
        FileEntry fifo = files.stream().filter(FileEntry::hasFifo).findFirst().orElseThrow();
        FileEntry reg = files.stream().filter(x -> x.getId() == fifo.getFifo().getRegfId()).findFirst().orElseThrow();
        assertEquals("/data/work/ctl.fifo", reg.getReg().getName());
        assertEquals(010644, reg.getReg().getMode());
        assertFalse(reg.getReg().hasSize(), "no size check for a FIFO");
        List<FdinfoEntry> fdinfo;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.fdinfo(2)), ImageFormat.FDINFO_MAGIC)) {
            fdinfo = in.all(FdinfoEntry.parser(), 100);
        }
        assertEquals(FdTypes.PIPE, fdinfo.stream().filter(x -> x.getFd() == 5).findFirst().orElseThrow().getType());
        assertEquals(FdTypes.FIFO, fdinfo.stream().filter(x -> x.getFd() == 9).findFirst().orElseThrow().getType());

        ImageSet set = new ImageReader(XsaveLayout.INTEL_AVX512).read(dir);
        FileImage wEnd = set.processes().get(0).fds().stream().filter(x -> x.fd() == 5).findFirst().orElseThrow().file();
        FileImage rEnd = set.processes().get(1).fds().stream().filter(x -> x.fd() == 10).findFirst().orElseThrow().file();
        FileImage f9 = set.processes().get(0).fds().stream().filter(x -> x.fd() == 9).findFirst().orElseThrow().file();
        assertEquals(FileKind.PIPE, wEnd.kind());
        assertEquals(O_WRONLY, wEnd.flags());
        assertEquals(O_RDONLY | O_NONBLOCK, rEnd.flags());
        assertArrayEquals(pd, rEnd.pipe().data());
        assertEquals(wEnd.pipe(), rEnd.pipe());
        assertEquals(FileKind.FIFO, f9.kind());
        assertEquals("/data/work/ctl.fifo", f9.path());
        assertArrayEquals(fd, f9.pipe().data());
        assertEquals(4096, f9.pipe().size());
    }

    @Test
    void anEmptyPipeHasAnEntryWithZeroBytesAndNoFifoFile() throws Exception {
        List<ProcessImage> base = SyntheticTree.tree();
        FileImage r = FileImage.pipe(new PipeImage(9, 4096 * 4, new byte[0]), O_RDONLY);
        WriteResult w = new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir,
                List.of(withFds(base.get(0), List.of(new FdImage(20, false, r), new FdImage(21, false, r))), base.get(1)));
        assertFalse(w.files().contains("fifo-data.img"));
        assertEquals(8 + 4 + PipeDataEntry.newBuilder().setPipeId(9).setBytes(0).setSize(16384).build()
                .getSerializedSize(), Files.size(dir.resolve("pipes-data.img")));
        ProcessImage p = new ImageReader(XsaveLayout.INTEL_AVX512).read(dir).processes().get(0);
        FdImage a = p.fds().stream().filter(x -> x.fd() == 20).findFirst().orElseThrow();
        FdImage b = p.fds().stream().filter(x -> x.fd() == 21).findFirst().orElseThrow();
        assertSame(a.file(), b.file(), "a dup shares its description");
        assertEquals(0, a.file().pipe().data().length);
        assertEquals(16384, a.file().pipe().size());
    }

    @Test
    void endsThatDisagreeOnTheDataAreRejected() {
        List<ProcessImage> base = SyntheticTree.tree();
        FileImage a = FileImage.pipe(new PipeImage(9, 4096, bytes(10, 1)), O_RDONLY);
        FileImage b = FileImage.pipe(new PipeImage(9, 4096, bytes(10, 2)), O_WRONLY);
        var e = assertThrows(IllegalArgumentException.class, () -> new ImageWriter(XsaveLayout.INTEL_AVX512)
                .write(dir, List.of(withFds(base.get(0), List.of(new FdImage(3, false, a), new FdImage(4, false, b))),
                        base.get(1))));
        assertTrue(e.getMessage().contains("pipe 9"), e.getMessage());
    }

    @Test
    void pipeImageRules() {
        assertThrows(IllegalArgumentException.class, () -> new PipeImage(0, 4096, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new PipeImage(1, 4000, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new PipeImage(1, 4096, new byte[4097]));
        assertThrows(IllegalArgumentException.class, () -> FileImage.fifo(new PipeImage(1, 4096, new byte[0]),
                "relative", 0, 010644));
        assertThrows(IllegalArgumentException.class, () -> new FileImage(FileKind.PIPE, "x", 0, 0, 0, 0));
    }
}
