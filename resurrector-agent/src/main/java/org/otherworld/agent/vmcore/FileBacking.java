package org.otherworld.agent.vmcore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Byte access to the vmcore file by file offset. Two strategies: memory-mapped chunks, and
 * positional reads through a small LRU block cache for kernels whose /proc/vmcore cannot be mapped.
 * Callers have validated that requested ranges lie inside the file.
 */
abstract class FileBacking {
    abstract void read(long fileOffset, byte[] dst, int off, int len) throws IOException;

    /** Copies {@code len} bytes at {@code fileOffset} into {@code dst} at its position, advancing it. */
    abstract void read(long fileOffset, ByteBuffer dst, int len) throws IOException;

    abstract String describe();

    /** Reads exactly {@code len} bytes into {@code dst} (at its position, advancing it) with positional reads. */
    static void readFully(FileChannel ch, long pos, ByteBuffer dst, int len) throws IOException {
        int limit = dst.limit();
        int end = dst.position() + len;
        dst.limit(end);
        try {
            while (dst.position() < end) {
                int n = ch.read(dst, pos + len - (end - dst.position()));
                if (n < 0) {
                    throw new IOException("unexpected end of file at offset 0x"
                            + Long.toHexString(pos + len - (end - dst.position())));
                }
            }
        } finally {
            dst.limit(limit);
        }
    }

    /** Reads exactly {@code len} bytes with positional channel reads (no caching). */
    static void readFully(FileChannel ch, long pos, byte[] dst, int off, int len) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(dst, off, len);
        while (bb.hasRemaining()) {
            int n = ch.read(bb, pos + bb.position() - off);
            if (n < 0) {
                throw new IOException("unexpected end of file at offset 0x" + Long.toHexString(pos + bb.position() - off));
            }
        }
    }

    /** Memory-mapped access in chunks ({@link #CHUNK} bytes by default), mapped lazily and kept. */
    static final class Mapped extends FileBacking {
        static final long CHUNK = 256L << 20;
        private final FileChannel ch;
        private final long size;
        private final long chunkSize;
        private final Map<Long, MappedByteBuffer> chunks = new LinkedHashMap<>();

        Mapped(FileChannel ch, long size) throws IOException {
            this(ch, size, CHUNK);
        }

        Mapped(FileChannel ch, long size, long chunkSize) throws IOException {
            this.ch = ch;
            this.size = size;
            this.chunkSize = chunkSize;
            if (size > 0) {
                chunk(0); // fail early if this file cannot be mapped at all
            }
        }

        private synchronized MappedByteBuffer chunk(long index) throws IOException {
            MappedByteBuffer b = chunks.get(index);
            if (b == null) {
                long start = index * chunkSize;
                b = ch.map(FileChannel.MapMode.READ_ONLY, start, Math.min(chunkSize, size - start));
                chunks.put(index, b);
            }
            return b;
        }

        @Override
        void read(long fileOffset, byte[] dst, int off, int len) throws IOException {
            read(fileOffset, ByteBuffer.wrap(dst, off, len), len);
        }

        @Override
        void read(long fileOffset, ByteBuffer dst, int len) throws IOException {
            while (len > 0) {
                long index = fileOffset / chunkSize;
                int within = (int) (fileOffset % chunkSize);
                int n = (int) Math.min(len, chunkSize - within);
                MappedByteBuffer b = chunk(index);
                int at = dst.position();
                try {
                    dst.put(at, b, within, n);
                    dst.position(at + n);
                } catch (InternalError fault) {
                    // a fault in the mapped page (e.g. an old-memory page the kernel refuses): retry unmapped
                    dst.position(at);
                    readFully(ch, fileOffset, dst, n);
                }
                fileOffset += n;
                len -= n;
            }
        }

        @Override
        String describe() {
            return "mmap";
        }
    }

    /** Positional reads of blocks ({@link #BLOCK} bytes by default), keeping the most recent few ({@link #MAX_BLOCKS}). */
    static final class Cached extends FileBacking {
        static final int BLOCK = 64 << 10;
        static final int MAX_BLOCKS = 64;
        private final FileChannel ch;
        private final long size;
        private final int blockSize;
        private final LinkedHashMap<Long, byte[]> cache;

        Cached(FileChannel ch, long size) {
            this(ch, size, BLOCK, MAX_BLOCKS);
        }

        Cached(FileChannel ch, long size, int blockSize, int maxBlocks) {
            this.ch = ch;
            this.size = size;
            this.blockSize = blockSize;
            this.cache = new LinkedHashMap<>(maxBlocks * 2, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, byte[]> e) {
                    return size() > maxBlocks;
                }
            };
        }

        private byte[] block(long index) throws IOException {
            byte[] b = cache.get(index);
            if (b == null) {
                long start = index * blockSize;
                b = new byte[(int) Math.min(blockSize, size - start)];
                readFully(ch, start, b, 0, b.length);
                cache.put(index, b);
            }
            return b;
        }

        @Override
        synchronized void read(long fileOffset, byte[] dst, int off, int len) throws IOException {
            if (len >= blockSize) { // large reads bypass the cache
                readFully(ch, fileOffset, dst, off, len);
                return;
            }
            while (len > 0) {
                long index = fileOffset / blockSize;
                int within = (int) (fileOffset % blockSize);
                byte[] b = block(index);
                int n = Math.min(len, b.length - within);
                if (n <= 0) {
                    throw new IOException("read beyond end of file at offset 0x" + Long.toHexString(fileOffset));
                }
                System.arraycopy(b, within, dst, off, n);
                fileOffset += n;
                off += n;
                len -= n;
            }
        }

        @Override
        synchronized void read(long fileOffset, ByteBuffer dst, int len) throws IOException {
            if (len >= blockSize) { // large reads go straight into the buffer, bypassing the cache
                readFully(ch, fileOffset, dst, len);
            } else if (dst.hasArray()) {
                read(fileOffset, dst.array(), dst.arrayOffset() + dst.position(), len);
                dst.position(dst.position() + len);
            } else {
                byte[] tmp = new byte[len];
                read(fileOffset, tmp, 0, len);
                dst.put(tmp);
            }
        }

        @Override
        String describe() {
            return "positional reads";
        }
    }
}
