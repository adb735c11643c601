package org.otherworld.agent.mm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Reads swapped-out pages from the swap areas of the dead kernel, when the crash kernel can read the
 * same device: {@code swap_info[type]} gives the block device ({@code bdev->bd_dev}) and the extents
 * mapping slots to device pages ({@link SwapDeviceMap}); a {@link Resolver} turns the device number
 * into a readable path (by default {@code /dev/block/MAJOR:MINOR}).
 *
 * <p>Before an area is trusted, its page 0 must carry the swap signature "SWAPSPACE2" in its last 10
 * bytes (union swap_header, include/linux/swap.h), so a wrong or reused device is never read. Pages
 * that cannot be had read as empty; why is kept in {@link #problems()}. Thread-safe (its methods take turns).
 */
public final class SwapDeviceSource implements SwapSource, AutoCloseable {
    /** The swap signature of a version-2 swap area (mkswap), at PAGE_SIZE - 10 of page 0. */
    public static final String SWAP_MAGIC = "SWAPSPACE2";
    /** Most problems kept. */
    static final int MAX_PROBLEMS = 100;
    private static final int PAGE = (int) X86PageBits.PAGE_SIZE;

    /** Maps a device number of the dead machine to a path the crash kernel can read, or null. */
    @FunctionalInterface
    public interface Resolver {
        Path path(int major, int minor);
    }

    /** {@code /dev/block/MAJOR:MINOR}, if it exists. */
    public static final Resolver DEV_BLOCK = (major, minor) -> {
        Path p = Path.of("/dev/block", major + ":" + minor);
        return Files.exists(p) ? p : null;
    };

    /** A swap area ready to read, or why it is not. */
    private record Area(SwapDeviceMap map, Path path, FileChannel channel, String error) {
    }

    private final VirtualMemory kmem;
    private final SwapDeviceLayout layout;
    private final Resolver resolver;
    private final Map<Integer, Area> areas = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    public SwapDeviceSource(VirtualMemory kmem, SwapDeviceLayout layout, Resolver resolver) {
        this.kmem = kmem;
        this.layout = layout;
        this.resolver = resolver;
    }

    /** The swap areas of a dead kernel, devices found through {@code resolver}. */
    public static SwapDeviceSource of(DeadKernel k, Resolver resolver) {
        return new SwapDeviceSource(k.kernelMemory(), SwapDeviceLayout.of(k), resolver);
    }

    /** Problems met (unreadable areas, missing devices, bad signatures), at most {@value #MAX_PROBLEMS}. */
    public synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    /** Why swap type {@code type} cannot be read, or null if it can (or is not in use). */
    public synchronized String areaError(int type) {
        Area a = area(type);
        return a == null ? null : a.error();
    }

    /** The device mapping of swap type {@code type}, if it is in use and readable. */
    public synchronized Optional<SwapDeviceMap> map(int type) {
        Area a = area(type);
        return a == null || a.map() == null ? Optional.empty() : Optional.of(a.map());
    }

    @Override
    public synchronized Optional<byte[]> readPage(int type, long offset) {
        Area a = area(type);
        if (a == null || a.error() != null) {
            return Optional.empty();
        }
        String what = "swap " + type + "/0x" + Long.toHexString(offset) + " on " + a.path();
        if (offset <= 0 || offset >= a.map().max()) {
            problem(what + ": outside the area's 0x" + Long.toHexString(a.map().max()) + " slots");
            return Optional.empty();
        }
        long pos = a.map().deviceOffset(offset);
        if (pos < 0) {
            problem(what + ": no swap extent maps this slot");
            return Optional.empty();
        }
        try {
            return Optional.of(readFully(a.channel(), pos));
        } catch (IOException e) {
            problem(what + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private Area area(int type) {
        if (type < 0 || type >= layout.maxSwapFiles()) {
            return null;
        }
        if (!areas.containsKey(type)) {
            Area a = open(type);
            areas.put(type, a);
            if (a != null && a.error() != null) {
                problem(a.error());
            }
        }
        return areas.get(type);
    }

    private Area open(int type) {
        SwapDeviceMap map;
        try {
            map = SwapDeviceMap.read(kmem, layout, type);
        } catch (MemoryAccessException | UnsupportedOperationException e) {
            return new Area(null, null, null, "swap type " + type + ": " + e.getMessage());
        }
        if (map == null) {
            return null;
        }
        String dev = map.major() + ":" + map.minor();
        Path path = resolver == null ? null : resolver.path(map.major(), map.minor());
        if (path == null) {
            return new Area(map, null, null, "swap type " + type + ": device " + dev + " is not available here");
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            long header = map.deviceOffset(0);
            if (header < 0) {
                throw new IOException("no extent maps the header page, its signature cannot be checked");
            }
            byte[] p0 = readFully(ch, header);
            byte[] magic = SWAP_MAGIC.getBytes(StandardCharsets.US_ASCII);
            if (!Arrays.equals(p0, PAGE - magic.length, PAGE, magic, 0, magic.length)) {
                throw new IOException("no " + SWAP_MAGIC + " signature at the end of the header page (device byte 0x"
                        + Long.toHexString(header) + "): not this swap area");
            }
            return new Area(map, path, ch, null);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            return new Area(map, path, null, "swap type " + type + " on device " + dev + " (" + path + "): "
                    + e.getMessage());
        }
    }

    private static byte[] readFully(FileChannel ch, long pos) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(PAGE);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("device ends before byte 0x" + Long.toHexString(pos + PAGE));
            }
        }
        return buf.array();
    }

    private void problem(String p) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(p);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    @Override
    public synchronized void close() {
        for (Area a : areas.values()) {
            if (a != null) {
                closeQuietly(a.channel());
            }
        }
        areas.clear();
    }
}
