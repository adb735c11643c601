package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.images.ImageFormat;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.images.VmaImage;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.task.ProcessModel;

/**
 * On a real capture: skipping the private file mappings whose vm_area_struct has no anon_vma
 * ({@link Resurrector#withAnonVma}) streams exactly the pages, addresses and bytes, that testing every
 * resident page's struct page gives, with fewer struct page reads. Skipped without a capture.
 */
class RealCaptureAnonVmaTest {
    /** Every (address, page hash) the sink is given, in order. */
    private static List<Long> stream(VmcorePageSource src) throws IOException {
        List<Long> out = new ArrayList<>();
        src.forEachPage(new PageSource.PageSink() {
            @Override
            public void page(long va, byte[] data, int offset) {
                out.add(va);
                out.add((long) Arrays.hashCode(Arrays.copyOfRange(data, offset, offset + ImageFormat.PAGE_SIZE)));
            }

            @Override
            public void pages(long va, ByteBuffer data, int count) {
                byte[] b = new byte[ImageFormat.PAGE_SIZE];
                for (int i = 0; i < count; i++) {
                    data.get(b);
                    page(va + (long) i * ImageFormat.PAGE_SIZE, b, 0);
                }
            }
        });
        return out;
    }

    @Test
    void skippingMappingsWithoutAnonVmaStreamsTheSamePages() throws Exception {
        try (DeadKernel k = FirstCapture.openOrSkip()) {
            LongPredicate anonymous = Resurrector.anonymousTest(k);
            AtomicLong tests = new AtomicLong();
            LongPredicate counted = pa -> {
                tests.incrementAndGet();
                return anonymous.test(pa);
            };
            ImageMapper mapper = ImageMapper.simple();
            long allTests = 0, skipTests = 0, pages = 0;
            int processes = 0;
            for (ProcessModel p : FirstCapture.withMemory(k)) {
                List<VmaImage> vmas = mapper.vmas(p);
                tests.set(0);
                List<Long> every = stream(new VmcorePageSource(k.userMemory(p.mm().pgd()), k.physicalMemory(), vmas,
                        counted, null, start -> true));
                allTests += tests.get();
                tests.set(0);
                List<Long> skipping = stream(new VmcorePageSource(k.userMemory(p.mm().pgd()), k.physicalMemory(), vmas,
                        counted, null, Resurrector.withAnonVma(p)));
                skipTests += tests.get();
                assertEquals(every, skipping, "pid " + p.pid() + ": pages streamed");
                pages += every.size() / 2;
                processes++;
            }
            System.out.printf("anon_vma skip: %d processes, %d pages streamed either way; struct page reads %d -> %d%n",
                    processes, pages, allTests, skipTests);
            assertTrue(processes > 0 && pages > 0, "no process with pages in the capture");
            assertTrue(skipTests < allTests, "the skip saved no struct page read (" + skipTests + " of " + allTests + ")");
        }
    }
}
