package org.otherworld.agent.images;

import org.otherworld.agent.images.proto.PagemapEntry;
import org.otherworld.agent.images.proto.PagemapHead;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Streams one process's pages into pages-N.img and writes pagemap-PID.img alongside: consecutive pages
 * within one VMA are coalesced into one pagemap_entry (flags PE_PRESENT). Memory use is constant: single
 * pages are gathered in one direct buffer ({@link #STAGING} bytes), runs handed over in bulk
 * ({@link PageSource.PageSink#pages}) are written straight from the caller's buffer with one sequential
 * channel write, and each finished pagemap run is written as soon as it ends.
 */
final class PagesWriter implements PageSource.PageSink, AutoCloseable {
    /** Bytes of single pages gathered before one write. */
    static final int STAGING = 256 << 10;
    private static final int PAGE = ImageFormat.PAGE_SIZE;

    private final int pid;
    private final List<VmaImage> vmas;
    private final ImageOutput pagemap;
    private final FileChannel pages;
    private final ByteBuffer staging = ByteBuffer.allocate(STAGING);
    private int vmaIndex;
    private long runStart = -1, runPages, lastVa = -1;
    private long written, skipped, entries;

    PagesWriter(Path dir, int pid, int pagesId, List<VmaImage> vmas) throws IOException {
        this.pid = pid;
        this.vmas = vmas;
        this.pagemap = ImageOutput.create(dir.resolve(ImageFormat.pagemap(pid)), ImageFormat.PAGEMAP_MAGIC);
        this.pagemap.write(PagemapHead.newBuilder().setPagesId(pagesId).build());
        this.pages = FileChannel.open(dir.resolve(ImageFormat.pages(pagesId)), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
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
            throw new IllegalArgumentException(String.format("process %d: run of %d pages at 0x%x but %d bytes given",
                    pid, count, va, data.remaining()));
        }
        long a = va;
        int left = count;
        while (left > 0) {
            int n = accept(a, left);
            int take = Math.abs(n);
            if (n > 0) {
                drainStaging();
                int limit = data.limit();
                data.limit(data.position() + take * PAGE);
                try {
                    writeAll(data);
                } finally {
                    data.limit(limit);
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
            throw new IllegalArgumentException(String.format("process %d: page address 0x%x not page aligned", pid, va));
        }
        if (lastVa != -1 && Long.compareUnsigned(va, lastVa) <= 0) {
            throw new IllegalArgumentException(String.format("process %d: page 0x%x after 0x%x, not ascending", pid, va, lastVa));
        }
        while (vmaIndex < vmas.size() && Long.compareUnsigned(vmas.get(vmaIndex).end(), va) <= 0) {
            vmaIndex++;
        }
        VmaImage vma = vmaIndex < vmas.size() ? vmas.get(vmaIndex) : null;
        if (vma == null || Long.compareUnsigned(va, vma.start()) < 0) {
            throw new IllegalArgumentException(String.format("process %d: page 0x%x lies in no VMA", pid, va));
        }
        if ((vma.status() & VmaStatus.ANON_SHARED) != 0) {
            throw new IllegalArgumentException(String.format(
                    "process %d: page 0x%x in shared anonymous VMA 0x%x-0x%x: shmem pagemaps not supported", pid, va,
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
        try {
            flushRun();
            drainStaging();
        } finally {
            try {
                pagemap.close();
            } finally {
                pages.close();
            }
        }
    }
}
