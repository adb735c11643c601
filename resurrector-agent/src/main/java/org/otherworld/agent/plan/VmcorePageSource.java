package org.otherworld.agent.plan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import org.otherworld.agent.images.ImageFormat;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.images.VmaImage;
import org.otherworld.agent.images.VmaStatus;
import org.otherworld.agent.mm.PageKind;
import org.otherworld.agent.mm.PageVisitor;
import org.otherworld.agent.mm.UserAddressSpace;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;

/**
 * Streams a dead process's private pages straight from the vmcore to the image writer, in ascending
 * address order, in runs of virtually and physically contiguous pages read with one bulk read each: every resident page of anonymous private VMAs ([heap], [stack],
 * [vdso], anonymous memory) and, of private file mappings, only the pages that became anonymous
 * (copy-on-write copies; the others come from the file on restore) when an anonymity test is given.
 * All-zero pages of private anonymous memory are left out: CRIU restores them as zero pages.
 * A page that is not in RAM (swapped out, migrating) stops the stream with an {@link IOException}: the
 * process cannot be rebuilt faithfully.
 *
 * <p>[vdso]: pages the process's page tables map are taken from there; pages they do not map (a
 * just-exec'd process that has not called into its vDSO yet) come from the dead kernel's own vDSO image
 * ({@link KernelVdso}), which is what the kernel would have mapped on the first access.
 */
public final class VmcorePageSource implements PageSource {
    private static final int PAGE = ImageFormat.PAGE_SIZE;
    /**
     * Largest bulk read: 1 MiB. Large reads of /proc/vmcore cost far less per byte than page-sized ones
     * (one system call or mapped copy per run instead of per page). One direct buffer per thread, reused
     * by every process of the run, page-aligned so that the image writer can hand its runs to an O_DIRECT
     * write as they are.
     */
    static final int RUN_BYTES = 1 << 20;
    private static final ThreadLocal<ByteBuffer> RUN_BUFFER = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(RUN_BYTES + PAGE).alignedSlice(PAGE));

    private final UserAddressSpace space;
    private final PhysicalMemory phys;
    private final List<VmaImage> vmas;
    private final LongPredicate anonymousPage;
    private final Supplier<KernelVdso> vdso;

    /**
     * @param space         the process's address space
     * @param phys          the dump's physical memory
     * @param vmas          the process's VMAs as written to the image, ascending
     * @param anonymousPage for a physical page address: whether its struct page is anonymous; null to
     *                      dump every resident page of private file mappings too
     */
    public VmcorePageSource(UserAddressSpace space, PhysicalMemory phys, List<VmaImage> vmas,
                            LongPredicate anonymousPage) {
        this(space, phys, vmas, anonymousPage, null);
    }

    /**
     * @param vdso the dead kernel's vDSO image, read on demand for [vdso] pages the page tables do not
     *             map; null to leave such pages out (as the page tables do)
     */
    public VmcorePageSource(UserAddressSpace space, PhysicalMemory phys, List<VmaImage> vmas,
                            LongPredicate anonymousPage, Supplier<KernelVdso> vdso) {
        this(space, phys, vmas, anonymousPage, vdso, start -> true);
    }

    /**
     * @param mayHoldAnonymous for the start address of a private file mapping: whether it can hold
     *                         anonymous (copy-on-write) pages at all. The kernel gives a VMA an
     *                         {@code anon_vma} before the first anonymous page goes in (every copy-on-write
     *                         path calls {@code anon_vma_prepare}); a VMA without one (a library's code, a
     *                         read-only mapping) is skipped without a look at its pages.
     */
    public VmcorePageSource(UserAddressSpace space, PhysicalMemory phys, List<VmaImage> vmas,
                            LongPredicate anonymousPage, Supplier<KernelVdso> vdso, LongPredicate mayHoldAnonymous) {
        this.space = space;
        this.phys = phys;
        this.vmas = List.copyOf(vmas);
        this.anonymousPage = anonymousPage;
        this.vdso = vdso;
        this.mayHoldAnonymous = mayHoldAnonymous;
    }

    private final LongPredicate mayHoldAnonymous;

    @Override
    public void forEachPage(PageSink sink) throws IOException {
        byte[] buf = new byte[PAGE];
        RunReader runs = runReader(phys, sink);
        try {
            forEachPage(sink, runs, buf);
        } finally {
            zeroPagesSkipped += runs.zeroSkipped();
            readNanos += runs.readNanos;
            sinkNanos += runs.sinkNanos;
        }
    }

    /** Time spent so far copying runs out of the dump (the bulk reads). */
    public long readNanos() {
        return readNanos;
    }

    /** Time spent so far in the sink with the runs (writing pages-N.img). */
    public long sinkNanos() {
        return sinkNanos;
    }

    private long readNanos, sinkNanos;

    private void forEachPage(PageSink sink, RunReader runs, byte[] buf) throws IOException {
        for (VmaImage v : vmas) {
            if (!v.privateMemory()) {
                continue;
            }
            if (vdso != null && (v.status() & VmaStatus.AREA_VDSO) != 0) {
                vdsoPages(v, sink, buf);
                continue;
            }
            boolean filePrivate = (v.status() & VmaStatus.FILE_PRIVATE) != 0;
            if (filePrivate && anonymousPage != null && !mayHoldAnonymous.test(v.start())) {
                continue; // no anon_vma: every page still comes from the file
            }
            runs.skipZeroPages(zeroPagesSkippable(v.status()));
            try {
                space.pages(v.start(), v.end(), new PageVisitor() {
                    @Override
                    public void resident(long va, long pa, long size, long entry, PageKind kind) {
                        long s = Math.max(va, v.start());
                        long e = Math.min(va + size, v.end());
                        try {
                            if (filePrivate && anonymousPage != null) {
                                for (long a = s; Long.compareUnsigned(a, e) < 0; a += PAGE) {
                                    long p = pa + (a - va);
                                    if (anonymousPage.test(p)) { // else an unmodified page of the file: restored from it
                                        runs.add(a, p, 1);
                                    }
                                }
                            } else {
                                runs.add(s, pa + (s - va), (e - s) / PAGE);
                            }
                        } catch (IOException ex) {
                            throw new UncheckedIOException(ex);
                        }
                    }

                    @Override
                    public void nonResident(long va, long size, long entry, PageKind kind, int type, long offset) {
                        throw new UncheckedIOException(new IOException(String.format(
                                "page 0x%x is not in RAM (%s entry, swap type %d offset %d)", va,
                                kind.name().toLowerCase(), type, offset)));
                    }
                });
                runs.flush();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } catch (MemoryAccessException e) {
                throw new IOException(String.format("VMA 0x%x-0x%x: %s", v.start(), v.end(), e.getMessage()), e);
            }
        }
    }

    /** Pages of all-zero bytes left out of the image so far (see {@link #zeroPagesSkippable}). */
    public long zeroPagesSkipped() {
        return zeroPagesSkipped;
    }

    private long zeroPagesSkipped;

    /**
     * Whether all-zero pages of a VMA with this status may be left out of the image: only of private
     * anonymous memory, where CRIU restores an absent page as a zero page (a fresh anonymous mapping; in a
     * VMA a child inherits from its parent's set, restore drops the parent's page with MADV_DONTNEED when
     * the child's image lacks it). Not of private file mappings (an absent page reads the file), nor of
     * the special areas (vDSO, vvar, AIO rings) CRIU maps itself.
     */
    static boolean zeroPagesSkippable(int status) {
        return (status & VmaStatus.ANON_PRIVATE) != 0 && (status & VmaStatus.FILE_PRIVATE) == 0
                && (status & (VmaStatus.AREA_VDSO | VmaStatus.AREA_VVAR | VmaStatus.AREA_AIORING)) == 0;
    }

    /** A run reader over this thread's run buffer (one reader at a time per thread). */
    static RunReader runReader(PhysicalMemory phys, PageSink sink) {
        return new RunReader(phys, sink, RUN_BUFFER.get());
    }

    /**
     * Gathers pages into runs that are contiguous both virtually and physically (up to the buffer's
     * size), reads each run from the dump with one bulk read and hands it to the sink in one call; with
     * {@link #skipZeroPages} on, the all-zero pages of a run are left out (the sink gets the runs of
     * non-zero pages between them).
     */
    static final class RunReader {
        private final PhysicalMemory phys;
        private final PageSink sink;
        private final ByteBuffer buf;
        private final int maxPages;
        private long va = -1, pa;
        private int pages;
        private long reads;
        private long readNanos, sinkNanos;
        private boolean skipZero;
        private long zeroSkipped;

        /** Leaves all-zero pages out of the runs added from now on (the pending run is handed over first). */
        void skipZeroPages(boolean on) throws IOException {
            if (on != skipZero) {
                flush();
                skipZero = on;
            }
        }

        /** All-zero pages left out so far. */
        long zeroSkipped() {
            return zeroSkipped;
        }

        RunReader(PhysicalMemory phys, PageSink sink, ByteBuffer buf) {
            this.phys = phys;
            this.sink = sink;
            this.buf = buf;
            this.maxPages = buf.capacity() / PAGE;
        }

        /** Adds {@code count} pages at {@code va} (virtually and physically contiguous from {@code pa}). */
        void add(long va, long pa, long count) throws IOException {
            long v = va;
            long p = pa;
            long left = count;
            while (left > 0) {
                if (pages == 0 || v != this.va + (long) pages * PAGE || p != this.pa + (long) pages * PAGE
                        || pages == maxPages) {
                    flush();
                    this.va = v;
                    this.pa = p;
                }
                int n = (int) Math.min(left, maxPages - pages);
                pages += n;
                v += (long) n * PAGE;
                p += (long) n * PAGE;
                left -= n;
            }
        }

        /** Reads and hands over the pending run, if any. */
        void flush() throws IOException {
            if (pages == 0) {
                return;
            }
            int len = pages * PAGE;
            buf.clear();
            long t0 = System.nanoTime();
            try {
                phys.read(pa, buf, len);
            } catch (MemoryAccessException e) {
                throw new IOException(String.format("pages 0x%x-0x%x (physical 0x%x): %s", va, va + len, pa,
                        e.getMessage()), e);
            }
            buf.flip();
            reads++;
            readNanos += System.nanoTime() - t0;
            int n = pages;
            pages = 0;
            if (!skipZero) {
                toSink(va, n);
                return;
            }
            // one look at each page: a run of non-zero pages goes to the sink when a zero page (or the end) ends it
            int from = -1;
            for (int k = 0; k <= n; k++) {
                boolean data = k < n && !zeroPage(buf, k * PAGE);
                if (k < n && !data) {
                    zeroSkipped++;
                }
                if (data && from < 0) {
                    from = k;
                } else if (!data && from >= 0) {
                    buf.position(from * PAGE);
                    toSink(va + (long) from * PAGE, k - from);
                    from = -1;
                }
            }
        }

        private void toSink(long at, int count) throws IOException {
            long t = System.nanoTime();
            try {
                sink.pages(at, buf, count);
            } finally {
                sinkNanos += System.nanoTime() - t;
            }
        }

        /** A page of zero bytes to compare against (read-only, shared). */
        private static final ByteBuffer ZERO_PAGE = ByteBuffer.allocateDirect(PAGE).asReadOnlyBuffer();

        /**
         * Whether the page at {@code offset} of {@code b} is all zero bytes. ByteBuffer.mismatch compares
         * eight bytes and more at a time without a bounds and scope check per word: with the agent's
         * C1-only JIT it is about ten times faster than a loop of getLong (measured on the host: 80 MB in
         * 4 ms against 47 ms), and the crash kernel's emulated CPU pays that difference tenfold again.
         */
        static boolean zeroPage(ByteBuffer b, int offset) {
            return b.slice(offset, PAGE).mismatch(ZERO_PAGE) < 0;
        }

        /** Bulk reads done so far. */
        long reads() {
            return reads;
        }
    }

    /** The [vdso] VMA: mapped pages from the page tables, the others from the kernel's vDSO image. */
    private void vdsoPages(VmaImage v, PageSink sink, byte[] buf) throws IOException {
        TreeMap<Long, Long> mapped = new TreeMap<>(Long::compareUnsigned);
        try {
            space.pages(v.start(), v.end(), new PageVisitor() {
                @Override
                public void resident(long va, long pa, long size, long entry, PageKind kind) {
                    long s = Math.max(va, v.start());
                    long e = Math.min(va + size, v.end());
                    for (long a = s; Long.compareUnsigned(a, e) < 0; a += PAGE) {
                        mapped.put(a, pa + (a - va));
                    }
                }
            });
        } catch (MemoryAccessException e) {
            throw new IOException(String.format("[vdso] 0x%x-0x%x: %s", v.start(), v.end(), e.getMessage()), e);
        }
        KernelVdso image = null;
        for (long a = v.start(); Long.compareUnsigned(a, v.end()) < 0; a += PAGE) {
            Long pa = mapped.get(a);
            if (pa != null) {
                try {
                    phys.read(pa, buf, 0, PAGE);
                } catch (MemoryAccessException e) {
                    throw new IOException(String.format("[vdso] page 0x%x: %s", a, e.getMessage()), e);
                }
            } else {
                if (image == null) {
                    try {
                        image = vdso.get();
                    } catch (RuntimeException e) {
                        throw new IOException(String.format("[vdso] page 0x%x is not mapped and %s", a,
                                e.getMessage()), e);
                    }
                }
                int index = (int) ((a - v.start()) / PAGE);
                if (index >= image.pages()) {
                    throw new IOException(String.format("[vdso] page 0x%x is not mapped and the kernel's vDSO image "
                            + "has only %d pages", a, image.pages()));
                }
                image.copyPage(index, buf, 0);
            }
            sink.page(a, buf, 0);
        }
    }
}
