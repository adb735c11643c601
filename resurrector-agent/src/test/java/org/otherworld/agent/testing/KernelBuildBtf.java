package org.otherworld.agent.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Test fixture: the BTF of the kernel built by {@code kernel-patches/build.sh --full} into the shared cache
 * ({@code ~/.cache/otherworld/kernel-src/VERSION/full/build/vmlinux}), for tests that check readers against
 * real structure layouts; they skip when no build exists.
 */
public final class KernelBuildBtf {
    private KernelBuildBtf() {
    }

    /** The cached build's vmlinux, or null when there is none. */
    public static Path vmlinux() throws IOException {
        Path root = Path.of(System.getProperty("user.home"), ".cache", "otherworld", "kernel-src");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.resolve("full/build/vmlinux")).filter(Files::isRegularFile).findFirst().orElse(null);
        }
    }

    /** The .BTF section of an ELF64 little-endian file (section headers: e_shoff 0x28, sizes at 0x3a-0x3e). */
    public static byte[] btfSection(Path elf) throws IOException {
        try (FileChannel ch = FileChannel.open(elf)) {
            ByteBuffer h = read(ch, 0, 64);
            long shoff = h.getLong(0x28);
            int ent = h.getShort(0x3a) & 0xffff;
            int num = h.getShort(0x3c) & 0xffff;
            int strndx = h.getShort(0x3e) & 0xffff;
            ByteBuffer sh = read(ch, shoff, (long) ent * num);
            ByteBuffer names = read(ch, sh.getLong(strndx * ent + 0x18), sh.getLong(strndx * ent + 0x20));
            for (int i = 0; i < num; i++) {
                int n = sh.getInt(i * ent);
                int e = n;
                while (names.get(e) != 0) {
                    e++;
                }
                if (".BTF".equals(new String(names.array(), n, e - n, StandardCharsets.ISO_8859_1))) {
                    return read(ch, sh.getLong(i * ent + 0x18), sh.getLong(i * ent + 0x20)).array();
                }
            }
        }
        throw new IOException(elf + " has no .BTF section");
    }

    private static ByteBuffer read(FileChannel ch, long off, long len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, off + b.position()) > 0) {
            // keep reading
        }
        return b;
    }
}
