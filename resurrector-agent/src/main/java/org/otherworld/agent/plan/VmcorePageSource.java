package org.otherworld.agent.plan;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * Streams a dead process's private pages straight from the vmcore to the image writer, one page at a
 * time, in ascending address order: every resident page of anonymous private VMAs ([heap], [stack],
 * [vdso], anonymous memory) and, of private file mappings, only the pages that became anonymous
 * (copy-on-write copies; the others come from the file on restore) when an anonymity test is given.
 * A page that is not in RAM (swapped out, migrating) stops the stream with an {@link IOException}: the
 * process cannot be rebuilt faithfully.
 *
 * <p>[vdso]: pages the process's page tables map are taken from there; pages they do not map (a
 * just-exec'd process that has not called into its vDSO yet) come from the dead kernel's own vDSO image
 * ({@link KernelVdso}), which is what the kernel would have mapped on the first access.
 */
public final class VmcorePageSource implements PageSource {
    private static final int PAGE = ImageFormat.PAGE_SIZE;

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
        this.space = space;
        this.phys = phys;
        this.vmas = List.copyOf(vmas);
        this.anonymousPage = anonymousPage;
        this.vdso = vdso;
    }

    @Override
    public void forEachPage(PageSink sink) throws IOException {
        byte[] buf = new byte[PAGE];
        for (VmaImage v : vmas) {
            if (!v.privateMemory()) {
                continue;
            }
            if (vdso != null && (v.status() & VmaStatus.AREA_VDSO) != 0) {
                vdsoPages(v, sink, buf);
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
