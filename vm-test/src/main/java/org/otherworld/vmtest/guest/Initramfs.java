package org.otherworld.vmtest.guest;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

/**
 * An initramfs under construction: a set of entries (directories, files, symlinks, device nodes) that is
 * written as a gzip-compressed "newc" cpio archive, the format the kernel unpacks into its rootfs.
 * Parent directories are added implicitly; paths are absolute inside the image.
 */
public final class Initramfs {
    /** One entry of the image. */
    public sealed interface Entry permits Dir, HostFile, Bytes, Symlink, CharDevice {
    }

    public record Dir(int mode) implements Entry {
    }

    public record HostFile(Path source, int mode) implements Entry {
    }

    public record Bytes(byte[] content, int mode) implements Entry {
    }

    public record Symlink(String target) implements Entry {
    }

    public record CharDevice(int major, int minor, int mode) implements Entry {
    }

    private final TreeMap<String, Entry> entries = new TreeMap<>();

    public Initramfs dir(String path) {
        String p = normalize(path);
        if (!p.isEmpty() && !(entries.get(p) instanceof Dir)) {
            parents(p);
            entries.put(p, new Dir(0755));
        }
        return this;
    }

    /** Adds a host file, keeping its executable bit. */
    public Initramfs file(String path, Path source) {
        int mode = Files.isExecutable(source) ? 0755 : 0644;
        return put(path, new HostFile(source, mode));
    }

    public Initramfs bytes(String path, byte[] content, int mode) {
        return put(path, new Bytes(content, mode));
    }

    public Initramfs text(String path, String content, int mode) {
        return bytes(path, content.getBytes(StandardCharsets.UTF_8), mode);
    }

    public Initramfs symlink(String path, String target) {
        return put(path, new Symlink(target));
    }

    public Initramfs charDevice(String path, int major, int minor, int mode) {
        return put(path, new CharDevice(major, minor, mode));
    }

    /** Copies a host directory tree below {@code path}, files, directories and symlinks. */
    public Initramfs tree(String path, Path hostDir) {
        try (var s = Files.walk(hostDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = hostDir.relativize(p).toString();
                String dest = rel.isEmpty() ? path : path + "/" + rel;
                if (Files.isSymbolicLink(p)) {
                    symlink(dest, Files.readSymbolicLink(p).toString());
                } else if (Files.isDirectory(p)) {
                    dir(dest);
                } else {
                    put(dest, new HostFile(p, hostMode(p)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + hostDir, e);
        }
        return this;
    }

    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    private Initramfs put(String path, Entry e) {
        String p = normalize(path);
        parents(p);
        entries.put(p, e);
        return this;
    }

    private void parents(String p) {
        int i = p.lastIndexOf('/');
        if (i > 0) {
            dir(p.substring(0, i));
        }
    }

    private static String normalize(String path) {
        String p = path.replaceAll("/+", "/");
        if (p.startsWith("/")) {
            p = p.substring(1);
        }
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.contains("..")) {
            throw new IllegalArgumentException("path escapes the image: " + path);
        }
        return p;
    }

    private static int hostMode(Path p) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        int mode = 0;
        for (PosixFilePermission perm : perms) {
            mode |= 1 << (8 - perm.ordinal());
        }
        return mode;
    }

    /** Writes the image as gzip-compressed newc cpio. */
    public void writeGzip(Path out) {
        try (OutputStream fo = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20);
             GZIPOutputStream gz = new GZIPOutputStream(fo, 1 << 16) {
                 {
                     def.setLevel(Deflater.BEST_SPEED);
                 }
             }) {
            writeCpio(gz);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write initramfs " + out, e);
        }
    }

    /** Writes the uncompressed newc cpio archive. */
    public void writeCpio(OutputStream os) throws IOException {
        CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(os, CpioConstants.FORMAT_NEW);
        long ino = 1;
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            String name = me.getKey();
            Entry e = me.getValue();
            CpioArchiveEntry ce = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name);
            ce.setInode(ino++);
            ce.setNumberOfLinks(1);
            ce.setTime(0);
            if (e instanceof Dir d) {
                ce.setMode(CpioConstants.C_ISDIR | d.mode());
                ce.setNumberOfLinks(2);
                cpio.putArchiveEntry(ce);
            } else if (e instanceof Symlink s) {
                byte[] t = s.target().getBytes(StandardCharsets.UTF_8);
                ce.setMode(CpioConstants.C_ISLNK | 0777);
                ce.setSize(t.length);
                cpio.putArchiveEntry(ce);
                cpio.write(t);
            } else if (e instanceof CharDevice c) {
                ce.setMode(CpioConstants.C_ISCHR | c.mode());
                ce.setRemoteDeviceMaj(c.major());
                ce.setRemoteDeviceMin(c.minor());
                cpio.putArchiveEntry(ce);
            } else if (e instanceof Bytes b) {
                ce.setMode(CpioConstants.C_ISREG | b.mode());
                ce.setSize(b.content().length);
                cpio.putArchiveEntry(ce);
                cpio.write(b.content());
            } else if (e instanceof HostFile h) {
                ce.setMode(CpioConstants.C_ISREG | h.mode());
                ce.setSize(Files.size(h.source()));
                cpio.putArchiveEntry(ce);
                try (InputStream in = Files.newInputStream(h.source())) {
                    in.transferTo(cpio);
                }
            }
            cpio.closeArchiveEntry();
        }
        cpio.finish();
    }
}
