package org.otherworld.agent.images;

import org.otherworld.agent.images.proto.PagemapEntry;
import org.otherworld.agent.images.proto.PagemapHead;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Streams one process's pages into pages-N.img and writes pagemap-PID.img alongside: consecutive pages
 * within one VMA are coalesced into one pagemap_entry (flags PE_PRESENT). Memory use is constant: each
 * page is written out immediately, each finished run is written as soon as it ends.
 */
final class PagesWriter implements PageSource.PageSink, AutoCloseable {
    private final int pid;
    private final List<VmaImage> vmas;
    private final ImageOutput pagemap;
    private final OutputStream pages;
    private int vmaIndex;
    private long runStart = -1, runPages, lastVa = -1;
    private long written, skipped, entries;

    PagesWriter(Path dir, int pid, int pagesId, List<VmaImage> vmas) throws IOException {
        this.pid = pid;
        this.vmas = vmas;
        this.pagemap = ImageOutput.create(dir.resolve(ImageFormat.pagemap(pid)), ImageFormat.PAGEMAP_MAGIC);
        this.pagemap.write(PagemapHead.newBuilder().setPagesId(pagesId).build());
        this.pages = new BufferedOutputStream(Files.newOutputStream(dir.resolve(ImageFormat.pages(pagesId))), 1 << 16);
    }

    @Override
    public void page(long va, byte[] data, int offset) throws IOException {
        if ((va & (ImageFormat.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format("process %d: page address 0x%x not page aligned", pid, va));
        }
        if (lastVa != -1 && Long.compareUnsigned(va, lastVa) <= 0) {
            throw new IllegalArgumentException(String.format("process %d: page 0x%x after 0x%x, not ascending", pid, va, lastVa));
        }
        lastVa = va;
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
        if (!vma.privateMemory()) {
            skipped++; // file-shared (contents live in the file) or vvar (provided by the new kernel)
            return;
        }
        if (runStart != -1 && (va != runStart + runPages * ImageFormat.PAGE_SIZE
                || Long.compareUnsigned(runStart, vma.start()) < 0)) {
            flushRun();
        }
        if (runStart == -1) {
            runStart = va;
        }
        runPages++;
        pages.write(data, offset, ImageFormat.PAGE_SIZE);
        written++;
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
        } finally {
            pagemap.close();
            pages.close();
        }
    }
}
