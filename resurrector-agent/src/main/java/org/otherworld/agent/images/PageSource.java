package org.otherworld.agent.images;

import java.io.IOException;
import java.nio.ByteBuffer;

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

        /**
         * {@code count} pages at consecutive addresses from {@code va}: the {@code count} x
         * {@link ImageFormat#PAGE_SIZE} bytes of {@code data} from its position, which the call advances
         * past them. The bulk path (one call per run instead of one per page); the default hands the
         * pages to {@link #page} one by one.
         */
        default void pages(long va, ByteBuffer data, int count) throws IOException {
            byte[] one = new byte[ImageFormat.PAGE_SIZE];
            for (int i = 0; i < count; i++) {
                data.get(one);
                page(va + (long) i * ImageFormat.PAGE_SIZE, one, 0);
            }
        }
    }
}
