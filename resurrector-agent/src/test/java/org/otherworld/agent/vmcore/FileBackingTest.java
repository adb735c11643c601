package org.otherworld.agent.vmcore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBackingTest {
    @TempDir
    Path dir;

    @Test
    void mappedChunksAndCachedBlocksReturnFileBytes() throws IOException {
        byte[] content = new byte[300_000];
        new Random(7).nextBytes(content);
        Path p = dir.resolve("f");
        Files.write(p, content);
        try (FileChannel ch = FileChannel.open(p)) {
            FileBacking[] backings = {
                new FileBacking.Mapped(ch, content.length, 4096 * 3),
                new FileBacking.Cached(ch, content.length, 4096, 4),
                new FileBacking.Mapped(ch, content.length),
                new FileBacking.Cached(ch, content.length)};
            Random r = new Random(1);
            for (FileBacking b : backings) {
                for (int i = 0; i < 300; i++) {
                    int len = i % 10 == 0 ? r.nextInt(20_000) : r.nextInt(200);
                    int off = r.nextInt(content.length - len);
                    byte[] dst = new byte[len + 4];
                    b.read(off, dst, 2, len);
                    assertArrayEquals(Arrays.copyOfRange(content, off, off + len), Arrays.copyOfRange(dst, 2, 2 + len),
                            b.describe() + " at " + off + "+" + len);
                }
                byte[] all = new byte[content.length];
                b.read(0, all, 0, all.length);
                assertArrayEquals(content, all);
            }
        }
    }
}
