package org.otherworld.agent.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.proto.InventoryEntry;
import org.otherworld.agent.images.proto.TaskKobjIdsEntry;
import org.otherworld.agent.images.proto.Timespec;
import org.otherworld.agent.images.proto.TimensEntry;

/** timens-0.img: the clocks at the dump that criu restore makes the tree's time namespace continue from. */
class ClockImageTest {
    @TempDir
    Path dir;

    /** 77.123456789 s monotonic, 2.5 s more of boottime (time spent suspended). */
    static final ClockImage CLOCKS = new ClockImage(77_123_456_789L, 79_623_456_789L);

    @Test
    void entrySplitsNanosecondsIntoTimespecs() {
        TimensEntry e = CLOCKS.entry();
        assertEquals(77, e.getMonotonic().getTvSec());
        assertEquals(123_456_789, e.getMonotonic().getTvNsec());
        assertEquals(79, e.getBoottime().getTvSec());
        assertEquals(623_456_789, e.getBoottime().getTvNsec());
    }

    @Test
    void writtenAsTimens0AndReadBack() throws Exception {
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, SyntheticTree.tree(), null, CLOCKS);
        Path f = dir.resolve("timens-0.img");
        assertTrue(Files.exists(f));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(ImageFormat.IMG_COMMON_MAGIC, b.getInt());
        assertEquals(ImageFormat.TIMENS_MAGIC, b.getInt());
        int len = b.getInt();
        assertEquals(b.remaining(), len, "one entry fills the rest of the file");
        ImageSet set = new ImageReader(XsaveLayout.INTEL_AVX512).read(dir);
        assertEquals(CLOCKS, set.clocks());
        // the tasks stay in criu's time namespace (no CLONE_NEWTIME): restore reads timens-0, not timens-8
        InventoryEntry inv = set.inventory();
        byte[] ids = Files.readAllBytes(dir.resolve(ImageFormat.ids(100)));
        TaskKobjIdsEntry rootIds = TaskKobjIdsEntry.parseFrom(java.util.Arrays.copyOfRange(ids, 12, ids.length));
        assertEquals(inv.getRootIds().getTimeNsId(), rootIds.getTimeNsId());
    }

    @Test
    void noClocksNoImage() throws Exception {
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, SyntheticTree.tree());
        assertFalse(Files.exists(dir.resolve("timens-0.img")));
        assertNull(new ImageReader(XsaveLayout.INTEL_AVX512).read(dir).clocks());
    }

    @Test
    void rejectsImplausibleClocks() {
        assertThrows(IllegalArgumentException.class, () -> new ClockImage(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> new ClockImage(10, 9));
        TimensEntry bad = TimensEntry.newBuilder()
                .setMonotonic(Timespec.newBuilder().setTvSec(1).setTvNsec(1_000_000_000L))
                .setBoottime(Timespec.newBuilder().setTvSec(2).setTvNsec(0)).build();
        ImageFormatException x = assertThrows(ImageFormatException.class, () -> ClockImage.of(bad));
        assertTrue(x.getMessage().contains("bad timespec 1.1000000000"), x.getMessage());
    }

    @Test
    void critDecodesTimens() throws Exception {
        String crit = Crit.path();
        Assumptions.assumeTrue(crit != null, "crit not installed (Debian package criu): skipping CRIU decode check");
        new ImageWriter(XsaveLayout.INTEL_AVX512).write(dir, SyntheticTree.tree(), null, CLOCKS);
        String json = Crit.run(crit, "decode", "--pretty", "-i", dir.resolve("timens-0.img").toString());
        String flat = json.replaceAll("\\s+", "");
        assertTrue(flat.contains("\"magic\":\"TIMENS\""), json);
        assertTrue(flat.contains("\"monotonic\":{\"tv_sec\":77,\"tv_nsec\":123456789}"), json);
        assertTrue(flat.contains("\"boottime\":{\"tv_sec\":79,\"tv_nsec\":623456789}"), json);
    }
}
