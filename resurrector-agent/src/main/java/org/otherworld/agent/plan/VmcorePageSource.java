package org.otherworld.agent.plan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.LongPredicate;
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
 * Streams a dead process's private pages straight from the vmcore to the image writer, one page at a
 * time, in ascending address order: every resident page of anonymous private VMAs ([heap], [stack],
 * [vdso], anonymous memory) and, of private file mappings, only the pages that became anonymous
 * (copy-on-write copies; the others come from the file on restore) when an anonymity test is given.
 * A page that is not in RAM (swapped out, migrating) stops the stream with an {@link IOException}: the
 * process cannot be rebuilt faithfully.
 */
public final class VmcorePageSource implements PageSource {
    private static final int PAGE = ImageFormat.PAGE_SIZE;

    private final UserAddressSpace space;
    private final PhysicalMemory phys;
    private final List<VmaImage> vmas;
    private final LongPredicate anonymousPage;

    /**
     * @param space         the process's address space
     * @param phys          the dump's physical memory
     * @param vmas          the process's VMAs as written to the image, ascending
     * @param anonymousPage for a physical page address: whether its struct page is anonymous; null to
     *                      dump every resident page of private file mappings too
     */
    public VmcorePageSource(UserAddressSpace space, PhysicalMemory phys, List<VmaImage> vmas,
                            LongPredicate anonymousPage) {
        this.space = space;
        this.phys = phys;
        this.vmas = List.copyOf(vmas);
        this.anonymousPage = anonymousPage;
    }

    @Override
    public void forEachPage(PageSink sink) throws IOException {
        byte[] buf = new byte[PAGE];
        for (VmaImage v : vmas) {
            if (!v.privateMemory()) {
                continue;
            }
            boolean filePrivate = (v.status() & VmaStatus.FILE_PRIVATE) != 0;
            try {
                space.pages(v.start(), v.end(), new PageVisitor() {
                    @Override
                    public void resident(long va, long pa, long size, long entry, PageKind kind) {
                        if (filePrivate && anonymousPage != null && !anonymousPage.test(pa)) {
                            return; // an unmodified page of the file: restored from the file
                        }
                        long s = Math.max(va, v.start());
                        long e = Math.min(va + size, v.end());
                        for (long a = s; Long.compareUnsigned(a, e) < 0; a += PAGE) {
                            try {
                                phys.read(pa + (a - va), buf, 0, PAGE);
                                sink.page(a, buf, 0);
                            } catch (IOException ex) {
                                throw new UncheckedIOException(ex);
                            }
                        }
                    }

                    @Override
                    public void nonResident(long va, long size, long entry, PageKind kind, int type, long offset) {
                        throw new UncheckedIOException(new IOException(String.format(
                                "page 0x%x is not in RAM (%s entry, swap type %d offset %d)", va,
                                kind.name().toLowerCase(), type, offset)));
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } catch (MemoryAccessException e) {
                throw new IOException(String.format("VMA 0x%x-0x%x: %s", v.start(), v.end(), e.getMessage()), e);
            }
        }
    }
}
