package org.otherworld.agent.images;

import com.google.protobuf.MessageLite;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes one framed CRIU image file: magics, then length-prefixed protobuf entries. */
public final class ImageOutput implements AutoCloseable {
    private final OutputStream out;

    private ImageOutput(OutputStream out) {
        this.out = out;
    }

    /** Creates (or truncates) {@code file} and writes the head magics for {@code magic}. */
    public static ImageOutput create(Path file, int magic) throws IOException {
        ImageOutput o = new ImageOutput(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
        if (magic != ImageFormat.INVENTORY_MAGIC) {
            o.writeU32(ImageFormat.IMG_COMMON_MAGIC);
        }
        o.writeU32(magic);
        return o;
    }

    /** Appends one entry (pb_write_one): 4-byte little-endian size, then the serialized message. */
    public void write(MessageLite entry) throws IOException {
        byte[] body = entry.toByteArray();
        writeU32(body.length);
        out.write(body);
    }

    /**
     * Appends {@code size} raw bytes from {@code in}, zero-padded to a multiple of 4 (how criu stores
     * the contents of a SysV shm segment after its ipc_shm_entry when in_pagemaps is not set:
     * restore_content() in criu/ipc_ns.c reads round_up(size, 4) bytes).
     *
     * @throws IOException if {@code in} ends before {@code size} bytes
     */
    public void writeRawPadded(java.io.InputStream in, long size, String what) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException(what + ": contents end after " + (size - left) + " of " + size + " bytes");
            }
            out.write(buf, 0, n);
            left -= n;
        }
        for (long pad = (4 - size % 4) % 4; pad > 0; pad--) {
            out.write(0);
        }
    }

    /** Appends raw bytes without padding (the data after a pipe_data_entry or sk_packet_entry, queue data in tcp-stream-INO.img). */
    public void writeRaw(byte[] data) throws IOException {
        out.write(data);
    }

    private void writeU32(int v) throws IOException {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
