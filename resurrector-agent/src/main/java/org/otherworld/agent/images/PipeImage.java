package org.otherworld.agent.images;

import java.util.Arrays;

/**
 * The kernel object behind a pipe or FIFO descriptor: its identity, capacity and unread bytes. Every
 * end of one pipe carries the same {@code PipeImage} (equal id and data); the writer stores the data
 * once per pipe id in pipes-data.img (pipes) or fifo-data.img (FIFOs), criu restore puts it back into the
 * new pipe before handing out the ends (criu/pipes.c restore_pipe_data()).
 *
 * @param pipeId the pipe's inode number (pipefs i_ino, or the FIFO's inode): links the ends
 * @param size   capacity in bytes (pipe->max_usage * PAGE_SIZE, what F_GETPIPE_SZ returns)
 * @param data   the unread bytes in ring order (oldest first); not copied, do not modify
 */
public record PipeImage(long pipeId, int size, byte[] data) implements FileDetail {
    /** The default pipe capacity (PIPE_DEF_BUFFERS 16 pages, include/linux/pipe_fs_i.h). */
    public static final int DEFAULT_SIZE = 16 * ImageFormat.PAGE_SIZE;

    public PipeImage {
        if (pipeId <= 0 || pipeId > 0xffffffffL) {
            throw new IllegalArgumentException("pipe inode " + pipeId + " is not a 32-bit non-zero number");
        }
        if (size < ImageFormat.PAGE_SIZE || size % ImageFormat.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("pipe " + pipeId + ": capacity " + size + " is not a whole number of pages");
        }
        if (data == null || data.length > size) {
            throw new IllegalArgumentException("pipe " + pipeId + ": " + (data == null ? "no data"
                    : data.length + " unread bytes exceed its capacity " + size));
        }
    }

    /** Whether {@code o} describes the same pipe with the same capacity and bytes. */
    public boolean sameAs(PipeImage o) {
        return o != null && pipeId == o.pipeId && size == o.size && Arrays.equals(data, o.data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PipeImage p && sameAs(p);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(pipeId) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "PipeImage[pipe:[" + pipeId + "], size " + size + ", " + data.length + " unread bytes]";
    }
}
