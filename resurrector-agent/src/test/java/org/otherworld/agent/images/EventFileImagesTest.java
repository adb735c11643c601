package org.otherworld.agent.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.proto.FdTypes;
import org.otherworld.agent.images.proto.FdinfoEntry;
import org.otherworld.agent.images.proto.FileEntry;

/** eventfd, epoll, timerfd, signalfd and inotify entries of files.img: write, read back, crit decode. */
class EventFileImagesTest {
    @TempDir
    Path dir;

    static final int O_RDWR = 02, O_NONBLOCK = 04000;
    static final EventfdImage EFD = new EventfdImage(41);
    static final TimerfdImage TFD = new TimerfdImage(TimerfdImage.CLOCK_MONOTONIC, 2, 0, 1_250_000_000L, 1_000_000_000L);
    static final SignalfdImage SFD = new SignalfdImage(1L << 11);
    static final InotifyImage IFD = new InotifyImage(List.of(new InotifyImage.Watch(1, 0x2, 1234, (254 << 20) | 1,
            "/data/work/evfds/watched", InotifyImage.FILEID_INO32_GEN, InotifyImage.ino32GenHandle(1234, 0xabcdef), 8)));
    static final EpollImage EP = new EpollImage(List.of(new EpollImage.Target(3, 0x80000001, 0xe7e7000000000001L),
            new EpollImage.Target(4, 1, 0xe7e7000000000002L), new EpollImage.Target(6, 1, -1L)));

    static List<ProcessImage> tree() {
        List<ProcessImage> base = SyntheticTree.tree();
        FileImage efd = EventFiles.of(FileKind.EVENTFD, EFD, O_RDWR | O_NONBLOCK);
        List<FdImage> fds = List.of(new FdImage(3, false, efd),
                new FdImage(4, false, EventFiles.of(FileKind.TIMERFD, TFD, O_RDWR)),
                new FdImage(5, true, EventFiles.of(FileKind.SIGNALFD, SFD, O_RDWR | O_NONBLOCK)),
                new FdImage(6, false, EventFiles.of(FileKind.INOTIFY, IFD, O_NONBLOCK)),
                new FdImage(7, false, EventFiles.of(FileKind.EPOLL, EP, O_RDWR)),
                new FdImage(8, false, efd)); // a dup shares the description
        return List.of(PipeImagesTest.withFds(base.get(0), fds), base.get(1));
    }

    @Test
    void roundTripsEveryKind() throws Exception {
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree());
        List<FileEntry> files;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.files()), ImageFormat.FILES_MAGIC)) {
            files = in.all(FileEntry.parser(), 100);
        }
        FileEntry e = files.stream().filter(FileEntry::hasEfd).findFirst().orElseThrow();
        assertEquals(FdTypes.EVENTFD, e.getType());
        assertEquals(41, e.getEfd().getCounter());
        assertEquals(e.getId(), e.getEfd().getId());
        FileEntry t = files.stream().filter(FileEntry::hasTfd).findFirst().orElseThrow();
        assertEquals(FdTypes.TIMERFD, t.getType());
        assertEquals(1, t.getTfd().getVsec());
        assertEquals(250_000_000L, t.getTfd().getVnsec());
        assertEquals(1, t.getTfd().getIsec());
        assertEquals(0, t.getTfd().getInsec());
        assertEquals(2, t.getTfd().getTicks());
        FileEntry ep = files.stream().filter(FileEntry::hasEpfd).findFirst().orElseThrow();
        assertEquals(FdTypes.EVENTPOLL, ep.getType());
        assertEquals(3, ep.getEpfd().getTfdCount());
        assertEquals(0xe7e7000000000001L, ep.getEpfd().getTfd(0).getData());
        assertEquals(ep.getId(), ep.getEpfd().getTfd(0).getId());
        FileEntry in = files.stream().filter(FileEntry::hasIfy).findFirst().orElseThrow();
        assertEquals("/data/work/evfds/watched", in.getIfy().getWd(0).getFHandle().getPath());
        assertEquals(1234L | 0xabcdefL << 32, in.getIfy().getWd(0).getFHandle().getHandle(0));
        assertEquals(O_NONBLOCK, in.getIfy().getFlags());

        List<FdinfoEntry> fdinfo;
        try (ImageInput i = ImageInput.open(dir.resolve(ImageFormat.fdinfo(2)), ImageFormat.FDINFO_MAGIC)) {
            fdinfo = i.all(FdinfoEntry.parser(), 100);
        }
        Map<Integer, FdinfoEntry> byFd = new TreeMap<>();
        fdinfo.forEach(f -> byFd.put(f.getFd(), f));
        assertEquals(FdTypes.EVENTFD, byFd.get(3).getType());
        assertEquals(byFd.get(3).getId(), byFd.get(8).getId(), "dup shares the file id");
        assertEquals(FdTypes.INOTIFY, byFd.get(6).getType());

        ProcessImage p = new ImageReader(XsaveLayout.INTEL_AVX512).read(dir).processes().get(0);
        Map<Integer, FdImage> fds = new TreeMap<>();
        p.fds().forEach(f -> fds.put(f.fd(), f));
        assertEquals(EFD, fds.get(3).file().detail());
        assertSame(fds.get(3).file(), fds.get(8).file());
        assertEquals(TFD, fds.get(4).file().detail());
        assertEquals(SFD, fds.get(5).file().detail());
        assertTrue(fds.get(5).cloexec());
        assertEquals(IFD, fds.get(6).file().detail());
        assertEquals(EP, fds.get(7).file().detail());
        assertEquals(O_RDWR | O_NONBLOCK, fds.get(3).file().flags());
    }

    @Test
    void rules() {
        assertThrows(IllegalArgumentException.class, () -> new EventfdImage(1L << 32), "criu's eventfd(unsigned int)");
        assertThrows(IllegalArgumentException.class, () -> new TimerfdImage(8, 0, 0, 1, 0), "alarm clock");
        assertThrows(IllegalArgumentException.class, () -> new TimerfdImage(1, 0, 4, 1, 0), "unknown flag");
        assertThrows(IllegalArgumentException.class, () -> new EpollImage.Target(-1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new InotifyImage.Watch(1, 2, 3, 4, "rel", 1, new long[1], 8));
        assertThrows(IllegalArgumentException.class, () -> new FileImage(FileKind.EVENTFD, "x", 0, 0, 0, 0, SFD));
    }

    /** CRIU's own decoder reads files.img; re-encoding its JSON gives back our bytes exactly. */
    @Test
    void critDecodesAndReencodesIdentically() throws Exception {
        String crit = Crit.path();
        Assumptions.assumeTrue(crit != null, "crit not installed (Debian package criu): skipping CRIU decode check");
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, tree());
        Path files = dir.resolve(ImageFormat.files());
        String json = Crit.run(crit, "decode", "--pretty", "-i", files.toString());
        for (String s : List.of("\"efd\"", "\"counter\": 41", "\"tfd\"", "\"clockid\": 1", "\"sgfd\"", "\"sigmask\": \"0x800\"",
                "\"ify\"", "/data/work/evfds/watched", "\"epfd\"", "\"tfd\": 6")) {
            assertTrue(json.contains(s), s + " in " + json);
        }
        Path j = dir.resolve("files.json");
        Files.writeString(j, json);
        Path back = dir.resolve("files.back");
        Crit.run(crit, "encode", "-i", j.toString(), "-o", back.toString());
        assertArrayEquals(Files.readAllBytes(files), Files.readAllBytes(back));
    }
}
