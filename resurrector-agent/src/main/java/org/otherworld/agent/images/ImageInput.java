package org.otherworld.agent.images;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads one framed CRIU image file, checking its magics and entry framing. */
public final class ImageInput implements AutoCloseable {
    private final InputStream in;
    private final String name;
    private long offset;

    private ImageInput(InputStream in, String name) {
        this.in = in;
        this.name = name;
    }

    /**
     * Opens {@code file} and checks its magics (IMG_COMMON_MAGIC then {@code magic}; inventory has only
     * its own magic).
     *
     * @throws ImageFormatException if the file is missing, too short or has the wrong magic
     */
    public static ImageInput open(Path file, int magic) throws IOException {
        String name = file.getFileName().toString();
        InputStream s;
        try {
            s = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new ImageFormatException(name + ": image file missing");
        }
        ImageInput in = new ImageInput(s, name);
        try {
            if (magic != ImageFormat.INVENTORY_MAGIC) {
                in.expectMagic(ImageFormat.IMG_COMMON_MAGIC, "head magic");
            }
            in.expectMagic(magic, "image magic");
        } catch (IOException e) {
            in.close();
            throw e;
        }
        return in;
    }

    private void expectMagic(int want, String what) throws IOException {
        Integer got = readU32(true);
        if (got == null) {
            throw new ImageFormatException(name + ": truncated, no " + what);
        }
        if (got != want) {
            throw new ImageFormatException(String.format("%s: bad %s 0x%08x, expected 0x%08x", name, what, got, want));
        }
    }

    /** Next entry, or null at a clean end of file. */
    public <T> T next(Parser<T> parser) throws IOException {
        long at = offset;
        Integer size = readU32(false);
        if (size == null) {
            return null;
        }
        if (size < 0 || size > ImageFormat.MAX_ENTRY_SIZE) {
            throw new ImageFormatException(String.format("%s: entry at offset %d has bad size %d", name, at, size & 0xffffffffL));
        }
        byte[] body = in.readNBytes(size);
        offset += body.length;
        if (body.length != size) {
            throw new ImageFormatException(String.format("%s: truncated entry at offset %d: %d of %d bytes", name, at,
                    body.length, size));
        }
        try {
            return parser.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new ImageFormatException(String.format("%s: entry at offset %d does not parse: %s", name, at, e.getMessage()), e);
        }
    }

    /** Exactly one entry (files like core, mm, inventory); more entries are an error. */
    public <T> T only(Parser<T> parser) throws IOException {
        T t = next(parser);
        if (t == null) {
            throw new ImageFormatException(name + ": no entry");
        }
        if (next(parser) != null) {
            throw new ImageFormatException(name + ": more than one entry");
        }
        return t;
    }

    /** All remaining entries, at most {@code limit}. */
    public <T> List<T> all(Parser<T> parser, int limit) throws IOException {
        List<T> list = new ArrayList<>();
        for (T t = next(parser); t != null; t = next(parser)) {
            if (list.size() >= limit) {
                throw new ImageFormatException(name + ": more than " + limit + " entries");
            }
            list.add(t);
        }
        return list;
    }

    /**
     * Reads {@code size} raw bytes that follow an entry, then skips {@code padding} bytes (SysV shm
     * contents in ipcns-shm-ID.img).
     */
    public byte[] raw(int size, int padding) throws IOException {
        long at = offset;
        byte[] data = in.readNBytes(size);
        byte[] pad = in.readNBytes(padding);
        offset += data.length + pad.length;
        if (data.length != size || pad.length != padding) {
            throw new ImageFormatException(String.format("%s: truncated raw data at offset %d: %d of %d bytes", name,
                    at, data.length + pad.length, size + padding));
        }
        return data;
    }

    /** Reads a little-endian u32; null at EOF before the first byte (if allowed), error if cut inside. */
    private Integer readU32(boolean headerField) throws IOException {
        byte[] b = in.readNBytes(4);
        offset += b.length;
        if (b.length == 0) {
            return null;
        }
        if (b.length < 4) {
            throw new ImageFormatException(String.format("%s: truncated %s at offset %d", name,
                    headerField ? "magic" : "entry size", offset - b.length));
        }
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
