package org.otherworld.agent.images;

import java.io.IOException;

/**
 * Streams a process's resident private pages to a consumer, in strictly ascending address order. The
 * writer copies each page out before the consumer call returns, so sources may reuse their buffer.
 */
@FunctionalInterface
public interface PageSource {
    /** No pages. */
    PageSource NONE = sink -> { };

    /** Feeds every page to {@code sink}. */
    void forEachPage(PageSink sink) throws IOException;

    /** Receives pages. */
    @FunctionalInterface
    interface PageSink {
        /** One page: {@link ImageFormat#PAGE_SIZE} bytes of {@code data} starting at {@code offset}. */
        void page(long va, byte[] data, int offset) throws IOException;
    }
}
