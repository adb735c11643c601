package org.otherworld.agent.images;

import org.otherworld.agent.images.proto.PagemapEntry;
import org.otherworld.agent.images.proto.PagemapHead;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Streams one process's pages into pages-N.img and writes pagemap-PID.img alongside: consecutive pages
 * within one VMA are coalesced into one pagemap_entry (flags PE_PRESENT). Memory use is constant: single
 * pages are gathered in one page-aligned direct buffer ({@link #STAGING} bytes, one per thread, reused),
 * runs handed over in bulk ({@link PageSource.PageSink#pages}) are written straight from the caller's
 * buffer with one sequential channel write when it is page-aligned (else through the staging buffer), and
 * each finished pagemap run is written as soon as it ends.
 *
 * <p>pages-N.img is written with O_DIRECT when the file system takes it (see {@link #open}): the data
 * goes from the buffer to the disk without a copy into the page cache. Every write is whole pages at a
 * page-aligned file offset from a page-aligned buffer, which is what O_DIRECT asks. Measured in the crash
 * kernel under TCG (docs/results/performance.md): 80 MiB written by dd in 0.12-0.14 s with
 * {@code oflag=direct} against 0.7-0.8 s through the page cache, whose copy is the emulated CPU's work;
 * and the crash kernel's small memory is not filled with image pages it will never read again.
 */
final class PagesWriter implements PageSource.PageSink, AutoCloseable {
    /** Bytes of single pages (and, under O_DIRECT, of short runs) gathered before one write. */
    static final int STAGING = 1 << 20;
    /**
     * Under O_DIRECT, runs of at least this many pages are written straight from the caller's buffer;
     * shorter ones are gathered first. Each O_DIRECT write waits for the device: written one by one, the
     * short runs between all-zero pages cost 5.6-6.6 s instead of 1.2-1.8 s buffered (crash kernel, TCG).
     */
    static final int DIRECT_RUN_PAGES = 64;
    /**
     * System property: {@code false} writes pages-N.img through the page cache even where O_DIRECT
     * works (for comparisons).
     */
    static final String DIRECT_IO_PROPERTY = "otherworld.direct-io";
    private static final int PAGE = ImageFormat.PAGE_SIZE;
    /**
     * Per file system (its device number; the directory where that is unknown): empty if O_DIRECT is
     * used there (or may be), else why not. Every tree has its own directory, on one file system.
     */
    private static final Map<Object, String> DIRECT_REFUSED = new ConcurrentHashMap<>();
    /** A thread's staging buffer while no writer of that thread holds it. */
    private static final ThreadLocal<ByteBuffer> SPARE_STAGING = new ThreadLocal<>();

    /** Whose pages, for messages: "process PID" or "shared anonymous memory SHMID". */
    private final String who;
    private final List<VmaImage> vmas;
    private final ImageOutput pagemap;
    private final FileChannel pages;
    /** Why pages-N.img is not written with O_DIRECT; null if it is. */
    private final String refusal;
    private final ByteBuffer staging = borrowStaging();
    private int vmaIndex;
    private long runStart = -1, runPages, lastVa = -1;
    private long written, skipped, entries;
    private boolean closed;

    PagesWriter(Path dir, int pid, int pagesId, List<VmaImage> vmas) throws IOException {
        this(dir, pid, pagesId, vmas, !"false".equals(System.getProperty(DIRECT_IO_PROPERTY)));
    }

    /** @param tryDirect whether to write pages-N.img with O_DIRECT where the file system takes it */
    PagesWriter(Path dir, int pid, int pagesId, List<VmaImage> vmas, boolean tryDirect) throws IOException {
        this(dir, "process " + pid, ImageFormat.pagemap(pid), pagesId, vmas, tryDirect);
    }

    /**
     * The writer of a shared anonymous memory object's pagemap-shmem-SHMID.img and pages: its pages come
     * with their byte offset in the object as address, within one VMA [0, size).
     */
    static PagesWriter shmem(Path dir, long shmid, long size, int pagesId) throws IOException {
        VmaImage whole = new VmaImage(0, size, 0, VmaStatus.PROT_READ | VmaStatus.PROT_WRITE,
                VmaStatus.MAP_PRIVATE | VmaStatus.MAP_ANONYMOUS, VmaStatus.AREA_REGULAR | VmaStatus.ANON_PRIVATE, null, 0);
        return new PagesWriter(dir, "shared anonymous memory " + shmid, ImageFormat.shmemPagemap(shmid), pagesId,
                List.of(whole), !"false".equals(System.getProperty(DIRECT_IO_PROPERTY)));
    }

    private PagesWriter(Path dir, String who, String pagemapName, int pagesId, List<VmaImage> vmas, boolean tryDirect)
            throws IOException {
        this.who = who;
        this.vmas = vmas;
        PagesFile f = open(dir.resolve(ImageFormat.pages(pagesId)), tryDirect);
        this.refusal = f.refusal();
        this.pages = f.channel();
        try {
            // criu's SHMEM_PAGEMAP_MAGIC is PAGEMAP_MAGIC
            this.pagemap = ImageOutput.create(dir.resolve(pagemapName), ImageFormat.PAGEMAP_MAGIC);
            this.pagemap.write(PagemapHead.newBuilder().setPagesId(pagesId).build());
        } catch (IOException | RuntimeException e) {
            pages.close();
            SPARE_STAGING.set(staging);
            throw e;
        }
    }

    private static final OpenOption[] BUFFERED = {StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING};

    /** pages-N.img opened for writing: with O_DIRECT when {@code refusal} is null, else why not. */
    record PagesFile(FileChannel channel, String refusal) {
    }

    /**
     * Opens {@code file} for writing, with O_DIRECT unless that is not wanted, the file system's block
     * size does not divide the page size, or the open is refused (tmpfs before Linux 6.6, some network
     * file systems). The answer is kept per file system, so a refusal costs one failed open per run.
     */
    static PagesFile open(Path file, boolean tryDirect) throws IOException {
        String refused = "not wanted (-D" + DIRECT_IO_PROPERTY + "=false)";
        if (tryDirect) {
            Path dir = file.toAbsolutePath().getParent();
            Object fs = fileSystemOf(dir);
            refused = DIRECT_REFUSED.computeIfAbsent(fs, k -> blockSizeRefusal(dir));
            if (refused.isEmpty()) {
                try {
                    return new PagesFile(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING, ExtendedOpenOption.DIRECT), null);
                } catch (IOException | UnsupportedOperationException e) {
                    refused = "open with O_DIRECT refused: " + e;
                    DIRECT_REFUSED.put(fs, refused);
                }
            }
        }
        return new PagesFile(FileChannel.open(file, BUFFERED), refused);
    }

    /** The device number of the file system holding {@code dir} (one stat), or {@code dir} if unknown. */
    private static Object fileSystemOf(Path dir) {
        try {
            return Files.getAttribute(dir, "unix:dev");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return dir;
        }
    }

    private static String blockSizeRefusal(Path dir) {
        try {
            long bs = Files.getFileStore(dir).getBlockSize();
            return bs > 0 && PAGE % bs == 0 ? "" : "file system block size " + bs + " does not divide the page size";
        } catch (IOException | UnsupportedOperationException e) {
            return "file system block size unknown: " + e;
        }
    }

    private static ByteBuffer borrowStaging() {
        ByteBuffer b = SPARE_STAGING.get();
        if (b == null) {
            return ByteBuffer.allocateDirect(STAGING + PAGE).alignedSlice(PAGE);
        }
        SPARE_STAGING.remove();
        return b.clear();
    }

    /** Whether pages-N.img is written with O_DIRECT. */
    boolean direct() {
        return refusal == null;
    }

    /** Why pages-N.img is not written with O_DIRECT, or null if it is. */
    String directRefusal() {
        return refusal;
    }

    @Override
    public void page(long va, byte[] data, int offset) throws IOException {
        if (accept(va, 1) == 1) {
            if (staging.remaining() < PAGE) {
                drainStaging();
            }
            staging.put(data, offset, PAGE);
        }
    }

    @Override
    public void pages(long va, ByteBuffer data, int count) throws IOException {
        if (count < 0 || (long) count * PAGE > data.remaining()) {
            throw new IllegalArgumentException(String.format("%s: run of %d pages at 0x%x but %d bytes given",
                    who, count, va, data.remaining()));
        }
        long a = va;
        int left = count;
        while (left > 0) {
            int n = accept(a, left);
            int take = Math.abs(n);
            if (n > 0 && (refusal != null || take >= DIRECT_RUN_PAGES && aligned(data))) {
                drainStaging();
                int limit = data.limit();
                data.limit(data.position() + take * PAGE);
                try {
                    writeAll(data);
                } finally {
                    data.limit(limit);
                }
            } else if (n > 0) { // a short or unaligned run under O_DIRECT: gathered in the staging buffer
                int limit = data.limit();
                for (int bytes = take * PAGE; bytes > 0; ) {
                    if (!staging.hasRemaining()) {
                        drainStaging();
                    }
                    int k = Math.min(bytes, staging.remaining()); // whole pages: only whole pages go in
                    data.limit(data.position() + k);
                    staging.put(data);
                    data.limit(limit);
                    bytes -= k;
                }
            } else {
                data.position(data.position() + take * PAGE);
            }
            a += (long) take * PAGE;
            left -= take;
        }
    }

    /**
     * Checks the pages {@code [va, va + count pages)} (ascending, aligned, inside a VMA) and accounts for
     * the leading part that lies in one VMA: returns how many of them are taken into the image (&gt; 0),
     * or minus how many are skipped (their VMA's contents come from elsewhere on restore).
     */
    private int accept(long va, int count) throws IOException {
        if ((va & (PAGE - 1)) != 0) {
            throw new IllegalArgumentException(String.format("%s: page address 0x%x not page aligned", who, va));
        }
        if (lastVa != -1 && Long.compareUnsigned(va, lastVa) <= 0) {
            throw new IllegalArgumentException(String.format("%s: page 0x%x after 0x%x, not ascending", who, va, lastVa));
        }
        while (vmaIndex < vmas.size() && Long.compareUnsigned(vmas.get(vmaIndex).end(), va) <= 0) {
            vmaIndex++;
        }
        VmaImage vma = vmaIndex < vmas.size() ? vmas.get(vmaIndex) : null;
        if (vma == null || Long.compareUnsigned(va, vma.start()) < 0) {
            throw new IllegalArgumentException(String.format("%s: page 0x%x lies in no VMA", who, va));
        }
        if ((vma.status() & VmaStatus.ANON_SHARED) != 0) {
            throw new IllegalArgumentException(String.format(
                    "%s: page 0x%x in shared anonymous VMA 0x%x-0x%x (its contents belong to the shmem object)", who, va,
                    vma.start(), vma.end()));
        }
        int n = (int) Math.min(count, (vma.end() - va) / PAGE);
        lastVa = va + (long) (n - 1) * PAGE;
        if (!vma.privateMemory()) {
            skipped += n; // file-shared (contents live in the file) or vvar (provided by the new kernel)
            return -n;
        }
        if (runStart != -1 && (va != runStart + runPages * PAGE || Long.compareUnsigned(runStart, vma.start()) < 0)) {
            flushRun();
        }
        if (runStart == -1) {
            runStart = va;
        }
        runPages += n;
        written += n;
        return n;
    }

    private static boolean aligned(ByteBuffer b) {
        return b.isDirect() && b.alignmentOffset(b.position(), PAGE) == 0;
    }

    private void drainStaging() throws IOException {
        if (staging.position() > 0) {
            staging.flip();
            writeAll(staging);
            staging.clear();
        }
    }

    private void writeAll(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            pages.write(b);
        }
    }

    private void flushRun() throws IOException {
        if (runStart == -1) {
            return;
        }
        pagemap.write(PagemapEntry.newBuilder().setVaddr(runStart).setNrPages((int) runPages)
                .setFlags(ImageFormat.PE_PRESENT).build());
        entries++;
        runStart = -1;
        runPages = 0;
    }

    long written() {
        return written;
    }

    long skipped() {
        return skipped;
    }

    long entries() {
        return entries;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flushRun();
            drainStaging();
        } finally {
            try {
                pagemap.close();
            } finally {
                try {
                    pages.close();
                } finally {
                    SPARE_STAGING.set(staging);
                }
            }
        }
    }
}
