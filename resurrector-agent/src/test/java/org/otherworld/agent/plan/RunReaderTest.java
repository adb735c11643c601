package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;
import org.junit.jupiter.api.Test;

/** Run coalescing of {@link VmcorePageSource.RunReader} on synthetic page lists. */
class RunReaderTest {
    private static final int PAGE = 4096;

    /** 64 pages of physical memory from 0x100000; every page's bytes name the page. */
    private static final class Phys implements PhysicalMemory {
        static final long BASE = 0x100000;
        final byte[] mem = new byte[64 * PAGE];
        int reads;

        Phys() {
            for (int i = 0; i < mem.length; i++) {
                mem[i] = (byte) (i / PAGE * 7 + i % 251);
            }
        }

        @Override
        public void read(long paddr, byte[] dst, int off, int len) {
            if (paddr < BASE || paddr + len > BASE + mem.length) {
                throw new MemoryAccessException(paddr, "outside the test memory");
            }
            reads++;
            System.arraycopy(mem, (int) (paddr - BASE), dst, off, len);
        }

        @Override
        public boolean contains(long paddr) {
            return paddr >= BASE && paddr < BASE + mem.length;
        }

        byte[] page(long pa) {
            byte[] b = new byte[PAGE];
            System.arraycopy(mem, (int) (pa - BASE), b, 0, PAGE);
            return b;
        }
    }

    /** What the sink saw: one entry per call (va, pages) and every page's bytes in order. */
    private static final class Sink implements PageSource.PageSink {
        final List<long[]> calls = new ArrayList<>();
        final List<byte[]> pages = new ArrayList<>();

        @Override
        public void page(long va, byte[] data, int offset) {
            throw new AssertionError("single page call");
        }

        @Override
        public void pages(long va, ByteBuffer data, int count) {
            calls.add(new long[] {va, count});
            for (int i = 0; i < count; i++) {
                byte[] b = new byte[PAGE];
                data.get(b);
                pages.add(b);
            }
        }
    }

    @Test
    void contiguousPagesBecomeOneReadAndOneCall() throws IOException {
        Phys phys = new Phys();
        Sink sink = new Sink();
        VmcorePageSource.RunReader r = new VmcorePageSource.RunReader(phys, sink, ByteBuffer.allocateDirect(16 * PAGE));
        for (int i = 0; i < 5; i++) {
            r.add(0x400000 + i * PAGE, Phys.BASE + i * PAGE, 1);
        }
        r.flush();
        assertEquals(1, sink.calls.size());
        assertArrayEquals(new long[] {0x400000, 5}, sink.calls.get(0));
        assertEquals(1, r.reads());
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(phys.page(Phys.BASE + i * PAGE), sink.pages.get(i), "page " + i);
        }
    }

    @Test
    void aPhysicalOrVirtualGapStartsANewRun() throws IOException {
        Phys phys = new Phys();
        Sink sink = new Sink();
        VmcorePageSource.RunReader r = new VmcorePageSource.RunReader(phys, sink, ByteBuffer.allocateDirect(16 * PAGE));
        r.add(0x400000, Phys.BASE + 10 * PAGE, 2);          // va 0x400000-0x402000 -> pages 10, 11
        r.add(0x402000, Phys.BASE + 3 * PAGE, 1);           // virtually next, physically elsewhere
        r.add(0x404000, Phys.BASE + 4 * PAGE, 1);           // physically next, virtual hole
        r.flush();
        assertEquals(3, sink.calls.size());
        assertArrayEquals(new long[] {0x400000, 2}, sink.calls.get(0));
        assertArrayEquals(new long[] {0x402000, 1}, sink.calls.get(1));
        assertArrayEquals(new long[] {0x404000, 1}, sink.calls.get(2));
        assertArrayEquals(phys.page(Phys.BASE + 11 * PAGE), sink.pages.get(1));
        assertArrayEquals(phys.page(Phys.BASE + 3 * PAGE), sink.pages.get(2));
        assertArrayEquals(phys.page(Phys.BASE + 4 * PAGE), sink.pages.get(3));
    }

    @Test
    void runsAreCutAtTheBufferSize() throws IOException {
        Phys phys = new Phys();
        Sink sink = new Sink();
        VmcorePageSource.RunReader r = new VmcorePageSource.RunReader(phys, sink, ByteBuffer.allocateDirect(4 * PAGE));
        r.add(0x7f0000000000L, Phys.BASE, 10); // e.g. part of a huge page
        r.flush();
        assertEquals(3, sink.calls.size());
        assertArrayEquals(new long[] {0x7f0000000000L, 4}, sink.calls.get(0));
        assertArrayEquals(new long[] {0x7f0000004000L, 4}, sink.calls.get(1));
        assertArrayEquals(new long[] {0x7f0000008000L, 2}, sink.calls.get(2));
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(phys.page(Phys.BASE + i * PAGE), sink.pages.get(i), "page " + i);
        }
    }

    @Test
    void flushWithoutPagesDoesNothingAndAMissingPageNamesItsRun() throws IOException {
        Phys phys = new Phys();
        Sink sink = new Sink();
        VmcorePageSource.RunReader r = new VmcorePageSource.RunReader(phys, sink, ByteBuffer.allocateDirect(8 * PAGE));
        r.flush();
        assertEquals(0, sink.calls.size());
        r.add(0x400000, Phys.BASE + 63 * PAGE, 2); // the second page lies beyond the dump
        IOException e = assertThrows(IOException.class, r::flush);
        assertEquals(true, e.getMessage().contains("0x400000-0x402000"), e.getMessage());
    }

    @Test
    void allZeroPagesOfAnonymousMemoryAreLeftOutAndSplitTheRun() throws IOException {
        Phys phys = new Phys();
        for (int zero : new int[] {0, 2, 3, 5}) {
            java.util.Arrays.fill(phys.mem, zero * PAGE, (zero + 1) * PAGE, (byte) 0);
        }
        java.util.Arrays.fill(phys.mem, 4 * PAGE, 5 * PAGE, (byte) 0);
        phys.mem[4 * PAGE + PAGE - 2] = 1; // one non-zero byte near its end: page 4 is taken
        Sink sink = new Sink();
        VmcorePageSource.RunReader r = new VmcorePageSource.RunReader(phys, sink, ByteBuffer.allocateDirect(16 * PAGE));
        r.skipZeroPages(true);
        r.add(0x400000, Phys.BASE, 7); // pages 0-6: zero, data, zero, zero, data, zero, data
        r.flush();
        assertEquals(3, sink.calls.size());
        assertArrayEquals(new long[] {0x401000, 1}, sink.calls.get(0));
        assertArrayEquals(new long[] {0x404000, 1}, sink.calls.get(1));
        assertArrayEquals(new long[] {0x406000, 1}, sink.calls.get(2));
        assertArrayEquals(phys.page(Phys.BASE + 4 * PAGE), sink.pages.get(1));
        assertEquals(4, r.zeroSkipped());
        assertEquals(1, r.reads(), "one bulk read for the whole run");

        // switched off (e.g. the next VMA is a private file mapping): zero pages are taken
        r.skipZeroPages(false);
        r.add(0x500000, Phys.BASE + 2 * PAGE, 2);
        r.flush();
        assertEquals(4, sink.calls.size());
        assertArrayEquals(new long[] {0x500000, 2}, sink.calls.get(3));
        assertEquals(4, r.zeroSkipped());
    }

    @Test
    void zeroPageLooksAtEveryByteOfThePageAtItsOffsetOnly() {
        ByteBuffer b = ByteBuffer.allocateDirect(3 * PAGE);
        assertEquals(true, VmcorePageSource.RunReader.zeroPage(b, PAGE));
        for (int at : new int[] {0, 1, 7, 8, PAGE / 2 + 3, PAGE - 1}) {
            b.put(PAGE + at, (byte) 0x80);
            assertEquals(false, VmcorePageSource.RunReader.zeroPage(b, PAGE), "non-zero byte at " + at);
            b.put(PAGE + at, (byte) 0);
        }
        b.put(PAGE - 1, (byte) 1); // the neighbours do not count
        b.put(2 * PAGE, (byte) 1);
        b.position(PAGE + 100); // nor the buffer's position (the page must lie below its limit)
        assertEquals(true, VmcorePageSource.RunReader.zeroPage(b, PAGE));
        assertEquals(false, VmcorePageSource.RunReader.zeroPage(b, 2 * PAGE));
        assertEquals(PAGE + 100, b.position());
    }

    @Test
    void zeroPagesAreLeftOutOnlyOfPrivateAnonymousMemory() {
        int anon = org.otherworld.agent.images.VmaStatus.ANON_PRIVATE;
        assertEquals(true, VmcorePageSource.zeroPagesSkippable(anon));
        assertEquals(false, VmcorePageSource.zeroPagesSkippable(org.otherworld.agent.images.VmaStatus.FILE_PRIVATE));
        assertEquals(false, VmcorePageSource.zeroPagesSkippable(anon | org.otherworld.agent.images.VmaStatus.AREA_VDSO));
        assertEquals(false, VmcorePageSource.zeroPagesSkippable(anon | org.otherworld.agent.images.VmaStatus.AREA_VVAR));
        assertEquals(false, VmcorePageSource.zeroPagesSkippable(anon | org.otherworld.agent.images.VmaStatus.AREA_AIORING));
    }

    /** Only file mappings whose vm_area_struct is known to have no anon_vma are skipped whole. */
    @Test
    void onlyFileMappingsKnownToHaveNoAnonVmaAreSkipped() {
        org.otherworld.agent.task.Vma code = Models.fileVma(0x500000, 0x502000, "/data/lib/a.so", false);
        org.otherworld.agent.task.Vma noAnon = new org.otherworld.agent.task.Vma(code.address(), 0x600000, 0x601000,
                code.flags(), 0, code.file(), code.path(), null, code.dev(), code.inode(), false);
        org.otherworld.agent.task.Vma anonNoAnonVma = new org.otherworld.agent.task.Vma(0x300, 0x700000, 0x701000,
                code.flags(), 0, 0, null, null, 0, 0, false);
        java.util.function.LongPredicate may = Resurrector.withAnonVma(
                Models.process(50, 1, 50, "app", java.util.List.of(), java.util.List.of(code, noAnon, anonNoAnonVma)));
        assertEquals(true, may.test(0x500000), "unknown: taken as having one");
        assertEquals(false, may.test(0x600000));
        assertEquals(true, may.test(0x700000), "not a file mapping");
        assertEquals(true, code.anonVma());
    }
}
