package org.otherworld.agent.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.proto.FdTypes;
import org.otherworld.agent.images.proto.FdinfoEntry;
import org.otherworld.agent.images.proto.FileEntry;
import org.otherworld.agent.images.proto.TtyDataEntry;
import org.otherworld.agent.images.proto.TtyInfoEntry;
import org.otherworld.agent.images.proto.TtyType;

/** Pty pairs: files.img TTY + REG entries, tty-info.img, tty-data.img; write, read back, crit decode. */
class TtyImagesTest {
    @TempDir
    Path dir;

    static final int O_RDWR = 02, O_NOCTTY = 0400, O_NONBLOCK = 04000;

    static TtyImage.Termios raw() {
        byte[] cc = new byte[19];
        for (int i = 0; i < cc.length; i++) {
            cc[i] = (byte) (0x10 + i);
        }
        cc[6] = 3; // VMIN
        cc[5] = 7; // VTIME
        return new TtyImage.Termios(0, 04, 0277, 0, 0, cc, 38400, 38400);
    }

    static TtyImage end(boolean master, byte[] unread) {
        return new TtyImage(3, master, raw(), new TtyImage.Termios(0, 0, 0, 0, 0, new byte[19], 0, 0),
                new TtyImage.Winsize(40, 132, 0, 0), master, false, false, 100, 102, unread);
    }

    static final byte[] TO_SLAVE = "typed ahead\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] TO_MASTER = "out".getBytes(StandardCharsets.US_ASCII);

    /** Parent (100) holds the master at fd 5; child (102) the slave at fds 7 and 8 (one description). */
    static List<ProcessImage> tree() {
        List<ProcessImage> base = SyntheticTree.tree();
        FileImage m = FileImage.tty(end(true, TO_MASTER), "/dev/ptmx", O_RDWR | O_NOCTTY, 020666);
        FileImage s = FileImage.tty(end(false, TO_SLAVE), "/dev/pts/3", O_RDWR | O_NONBLOCK, 020620);
        return List.of(PipeImagesTest.withFds(base.get(0), List.of(new FdImage(5, true, m))),
                PipeImagesTest.withFds(base.get(1), List.of(new FdImage(7, false, s), new FdImage(8, false, s))));
    }

    @Test
    void roundTripsBothEndsTheirSettingsAndUnreadBytes() throws Exception {
        WriteResult w = new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree());
        assertTrue(w.files().containsAll(List.of("tty-info.img", "tty-data.img")), w.files().toString());

        List<FileEntry> files;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.files()), ImageFormat.FILES_MAGIC)) {
            files = in.all(FileEntry.parser(), 100);
        }
        List<FileEntry> ttys = files.stream().filter(FileEntry::hasTty).toList();
        assertEquals(2, ttys.size(), "one entry per description");
        FileEntry master = ttys.stream().filter(t -> t.getTty().getTtyInfoId() == 7).findFirst().orElseThrow();
        FileEntry slave = ttys.stream().filter(t -> t.getTty().getTtyInfoId() == 6).findFirst().orElseThrow();
        assertEquals(FdTypes.TTY, master.getType());
        assertEquals(master.getId(), master.getTty().getId());
        assertEquals(O_RDWR | O_NONBLOCK, slave.getTty().getFlags());
        FileEntry reg = files.stream().filter(x -> x.getId() == slave.getTty().getRegfId()).findFirst().orElseThrow();
        assertEquals("/dev/pts/3", reg.getReg().getName());
        assertEquals(020620, reg.getReg().getMode());
        assertFalse(reg.getReg().hasSize());
        assertEquals("/dev/ptmx", files.stream().filter(x -> x.getId() == master.getTty().getRegfId()).findFirst()
                .orElseThrow().getReg().getName());
        List<FdinfoEntry> fdinfo;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.fdinfo(3)), ImageFormat.FDINFO_MAGIC)) {
            fdinfo = in.all(FdinfoEntry.parser(), 100);
        }
        assertEquals(2, fdinfo.stream().filter(x -> x.getType() == FdTypes.TTY && x.getId() == slave.getId()).count());

        List<TtyInfoEntry> infos;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.ttyInfo()), ImageFormat.TTY_INFO_MAGIC)) {
            infos = in.all(TtyInfoEntry.parser(), 100);
        }
        assertEquals(2, infos.size());
        TtyInfoEntry mi = infos.stream().filter(i -> i.getId() == 7).findFirst().orElseThrow();
        TtyInfoEntry si = infos.stream().filter(i -> i.getId() == 6).findFirst().orElseThrow();
        assertEquals(TtyType.PTY, mi.getType());
        assertEquals(3, mi.getPty().getIndex());
        assertEquals(0x502, mi.getRdev(), "/dev/ptmx is 5:2");
        assertEquals(0x8803, si.getRdev(), "/dev/pts/3 is 136:3");
        assertTrue(mi.getLocked());
        assertFalse(si.getLocked(), "locked is the master's");
        assertEquals(100, si.getSid());
        assertEquals(102, si.getPgrp());
        assertEquals(19, mi.getTermios().getCCcCount(), "criu requires TERMIOS_NCC words");
        // c_cc packed as glibc's char array: bytes 0..3 in word 0, VTIME (5) and VMIN (6) in word 1
        assertEquals(0x13121110, mi.getTermios().getCCc(0));
        assertEquals(0x17030714, mi.getTermios().getCCc(1));
        assertEquals(0, mi.getTermios().getCCc(8));
        assertEquals(0277, mi.getTermios().getCCflag());
        assertEquals(132, mi.getWinsize().getWsCol());
        assertTrue(mi.isInitialized() && si.isInitialized());

        List<TtyDataEntry> data;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.ttyData()), ImageFormat.TTY_DATA_MAGIC)) {
            data = in.all(TtyDataEntry.parser(), 100);
        }
        assertEquals(2, data.size());
        assertArrayEquals(TO_SLAVE, data.stream().filter(d -> d.getTtyId() == 6).findFirst().orElseThrow().getData()
                .toByteArray());
        assertArrayEquals(TO_MASTER, data.stream().filter(d -> d.getTtyId() == 7).findFirst().orElseThrow().getData()
                .toByteArray());

        ImageSet set = new ImageReader(XsaveLayout.INTEL_AVX512).read(dir);
        FileImage m = set.processes().get(0).fds().stream().filter(x -> x.fd() == 5).findFirst().orElseThrow().file();
        FdImage s0 = set.processes().get(1).fds().stream().filter(x -> x.fd() == 7).findFirst().orElseThrow();
        FdImage s1 = set.processes().get(1).fds().stream().filter(x -> x.fd() == 8).findFirst().orElseThrow();
        assertSame(s0.file(), s1.file(), "one description");
        assertEquals(FileKind.TTY, m.kind());
        assertEquals(end(true, TO_MASTER), m.tty());
        assertEquals(end(false, TO_SLAVE), s0.file().tty());
        assertEquals("/dev/pts/3", s0.file().path());
        assertEquals(020620, s0.file().mode());
        assertEquals(O_RDWR | O_NOCTTY, m.flags());
    }

    @Test
    void noDataImageWithoutUnreadBytesAndDisagreeingDescriptionsAreRejected() throws Exception {
        List<ProcessImage> base = SyntheticTree.tree();
        FileImage m = FileImage.tty(end(true, new byte[0]), "/dev/ptmx", O_RDWR, 0);
        WriteResult w = new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir,
                List.of(PipeImagesTest.withFds(base.get(0), List.of(new FdImage(5, false, m))), base.get(1)));
        assertTrue(w.files().contains("tty-info.img"));
        assertFalse(w.files().contains("tty-data.img"));
        assertEquals(0, new ImageReader(XsaveLayout.INTEL_AVX512).read(dir).processes().get(0).fds().stream()
                .filter(x -> x.fd() == 5).findFirst().orElseThrow().file().tty().unread().length);

        FileImage a = FileImage.tty(end(false, new byte[] {1}), "/dev/pts/3", O_RDWR, 0);
        FileImage b = FileImage.tty(end(false, new byte[] {2}), "/dev/pts/3", O_RDWR, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> new ImageWriter(XsaveLayout.INTEL_AVX512).write(
                dir.resolve("x"), List.of(PipeImagesTest.withFds(base.get(0), List.of(new FdImage(3, false, a),
                        new FdImage(4, false, b))), base.get(1))));
        assertTrue(e.getMessage().contains("pty 3"), e.getMessage());
    }

    @Test
    void ttyImageRules() {
        assertThrows(IllegalArgumentException.class, () -> new TtyImage(1001, true, raw(), raw(),
                new TtyImage.Winsize(0, 0, 0, 0), false, false, false, 0, 0, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new TtyImage(1, true, raw(), raw(),
                new TtyImage.Winsize(0, 0, 0, 0), false, false, false, 0, 5, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> FileImage.tty(end(true, new byte[0]), "ptmx", 0, 0));
        assertEquals(0x8800 | (1 << 8) | 4, new TtyImage(260, false, raw(), raw(), new TtyImage.Winsize(0, 0, 0, 0),
                false, false, false, 0, 0, new byte[0]).rdev(), "pts 260 is 137:4");
    }

    @Test
    void critDecodesTheTtyImages() throws Exception {
        String crit = Crit.path();
        Assumptions.assumeTrue(crit != null, "crit not installed (Debian package criu): skipping CRIU decode check");
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree());
        String info = Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("tty-info.img").toString());
        assertTrue(info.contains("\"type\": \"PTY\""), info);
        assertTrue(info.contains("\"index\": 3"), info);
        assertTrue(info.contains("\"ws_col\": 132"), info);
        String data = Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("tty-data.img").toString());
        assertTrue(data.contains("\"tty_id\": 6"), data);
        String files = Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("files.img").toString());
        assertTrue(files.contains("\"tty_info_id\": 7"), files);
        assertTrue(files.contains("\"regf_id\""), files);
        String fds = Crit.run(crit, "x", dir.toString(), "fds");
        assertTrue(fds.contains("/dev/pts/3") || fds.contains("TTY") || fds.contains("tty"), fds);
    }
}
