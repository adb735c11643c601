package org.otherworld.agent.vmcore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The physical memory of a crashed x86-64 kernel, read from /proc/vmcore or any ELF64 kdump file.
 *
 * <p>{@link #open(Path)} validates the ELF header, program headers and notes, then serves reads by
 * physical address from the PT_LOAD segments (memory-mapped, or positional reads with a block cache
 * when the file cannot be mapped). The VMCOREINFO note is required; NT_PRSTATUS notes give the
 * per-CPU register state.
 */
public final class ElfVmcore implements PhysicalMemory, AutoCloseable {
    // ELF constants: System V gABI and include/uapi/linux/elf.h.
    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    static final int SHDR_SIZE = 64;
    static final int EI_CLASS = 4;
    static final int EI_DATA = 5;
    static final int ELFCLASS64 = 2;
    static final int ELFDATA2LSB = 1;
    static final int ET_CORE = 4;
    static final int EM_X86_64 = 62;
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    /** e_phnum value meaning "the real count is in sh_info of section header 0". */
    static final int PN_XNUM = 0xffff;
    static final int NT_PRSTATUS = 1;
    static final String VMCOREINFO_NOTE = "VMCOREINFO";
    // Ehdr field offsets.
    static final int E_TYPE = 16, E_MACHINE = 18, E_PHOFF = 32, E_SHOFF = 40, E_PHENTSIZE = 54, E_PHNUM = 56;
    // Phdr field offsets.
    static final int P_TYPE = 0, P_OFFSET = 8, P_VADDR = 16, P_PADDR = 24, P_FILESZ = 32, P_MEMSZ = 40;
    /** Offset of sh_info in Elf64_Shdr. */
    static final int SH_INFO = 44;

    /** Sanity limits against corrupt headers. */
    static final long MAX_PHDRS = 1_000_000;
    static final long MAX_NOTE_SEGMENT = 64L << 20;
    static final long MAX_PHDR_TABLE = 64L << 20;

    /** How file bytes are accessed. */
    public enum Access {
        /** mmap, falling back to positional reads if mapping fails. */
        AUTO,
        /** Positional reads through a small block cache only. */
        POSITIONAL
    }

    private final Path path;
    private final FileChannel channel;
    private final FileBacking backing;
    private final List<LoadSegment> segments;
    private final SegmentMap map;
    private final List<ElfNote> notes;
    private final List<CpuState> cpus;
    private final VmcoreInfo vmcoreInfo;
    private final List<String> warnings;

    private ElfVmcore(Path path, FileChannel channel, FileBacking backing, List<LoadSegment> segments,
            List<ElfNote> notes, List<CpuState> cpus, VmcoreInfo info, List<String> warnings) {
        this.path = path;
        this.channel = channel;
        this.backing = backing;
        this.segments = Collections.unmodifiableList(segments);
        this.map = new SegmentMap(segments);
        this.notes = Collections.unmodifiableList(notes);
        this.cpus = Collections.unmodifiableList(cpus);
        this.vmcoreInfo = info;
        this.warnings = Collections.unmodifiableList(warnings);
    }

    /** Opens and validates a vmcore, memory-mapping it if possible. */
    public static ElfVmcore open(Path path) throws IOException {
        return open(path, Access.AUTO);
    }

    /**
     * Opens and validates a vmcore.
     *
     * @throws VmcoreFormatException if the file is not a usable x86-64 kernel crash dump
     * @throws IOException if the file cannot be read
     */
    public static ElfVmcore open(Path path, Access access) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new Loader(path, ch).load(access);
        } catch (IOException | RuntimeException | Error e) {
            ch.close();
            throw e;
        }
    }

    /** Parses headers and notes; one instance per open. */
    private static final class Loader {
        private final Path path;
        private final String src;
        private final FileChannel ch;
        private final long fileSize;

        Loader(Path path, FileChannel ch) throws IOException {
            this.path = path;
            this.src = path.toString();
            this.ch = ch;
            this.fileSize = vmcoreSize(path, ch);
        }

        ElfVmcore load(Access access) throws IOException {
            byte[] eh = readHeaderBytes(0, EHDR_SIZE, "truncated ELF header");
            checkIdent(eh);
            long phoff = LittleEndian.u64(eh, E_PHOFF);
            int phentsize = LittleEndian.u16(eh, E_PHENTSIZE);
            long phnum = LittleEndian.u16(eh, E_PHNUM);
            if (phnum == PN_XNUM) {
                long shoff = LittleEndian.u64(eh, E_SHOFF);
                phnum = LittleEndian.u32(readHeaderBytes(shoff, SHDR_SIZE,
                        "truncated section header 0 (needed for e_phnum=PN_XNUM)"), SH_INFO) & 0xffffffffL;
            }
            if (phentsize < PHDR_SIZE) {
                throw fail("e_phentsize " + phentsize + " is smaller than an Elf64_Phdr (" + PHDR_SIZE + ")");
            }
            if (phnum == 0 || phnum > MAX_PHDRS || phnum * phentsize > MAX_PHDR_TABLE) {
                throw fail("implausible program header table (" + phnum + " x " + phentsize + " bytes)");
            }
            byte[] ph = readHeaderBytes(phoff, phnum * phentsize, "truncated program headers ("
                    + phnum + " x " + phentsize + " bytes at offset 0x" + Long.toHexString(phoff) + ")");
            List<LoadSegment> loads = new ArrayList<>();
            List<ElfNote> notes = new ArrayList<>();
            List<String> warnings = new ArrayList<>();
            for (int i = 0; i < phnum; i++) {
                int b = i * phentsize;
                int type = LittleEndian.u32(ph, b + P_TYPE);
                long offset = LittleEndian.u64(ph, b + P_OFFSET);
                long filesz = LittleEndian.u64(ph, b + P_FILESZ);
                if (type == PT_LOAD) {
                    LoadSegment s = new LoadSegment(LittleEndian.u64(ph, b + P_PADDR), LittleEndian.u64(ph, b + P_VADDR),
                            offset, filesz, LittleEndian.u64(ph, b + P_MEMSZ));
                    checkLoad(i, s);
                    if (s.memSize() > 0) {
                        loads.add(s);
                    }
                } else if (type == PT_NOTE) {
                    if (filesz > MAX_NOTE_SEGMENT) {
                        throw fail("PT_NOTE #" + i + " is implausibly large (" + filesz + " bytes)");
                    }
                    byte[] nb = readHeaderBytes(offset, filesz, "PT_NOTE #" + i + " (offset 0x" + Long.toHexString(offset)
                            + ", " + filesz + " bytes) lies beyond the end of the file (" + fileSize + " bytes)");
                    NoteParser.parse(nb, src + " PT_NOTE #" + i, notes, warnings);
                }
            }
            VmcoreInfo info = null;
            List<CpuState> cpus = new ArrayList<>();
            for (ElfNote n : notes) {
                if (n.type() == NT_PRSTATUS && n.name().equals("CORE")) {
                    try {
                        cpus.add(CpuState.fromPrstatus(cpus.size(), n.desc()));
                    } catch (IllegalArgumentException e) {
                        warnings.add(src + ": " + e.getMessage() + "; note skipped");
                    }
                } else if (n.name().equals(VMCOREINFO_NOTE) && info == null) {
                    info = VmcoreInfo.parse(new String(n.desc(), StandardCharsets.ISO_8859_1));
                }
            }
            if (info == null) {
                throw fail("no VMCOREINFO note: not a kernel crash dump");
            }
            if (loads.isEmpty()) {
                throw fail("no PT_LOAD segments: the dump holds no memory");
            }
            FileBacking backing = backing(access);
            return new ElfVmcore(path, ch, backing, loads, notes, cpus, info, warnings);
        }

        private FileBacking backing(Access access) {
            if (access == Access.AUTO) {
                try {
                    return new FileBacking.Mapped(ch, fileSize);
                } catch (IOException | UnsupportedOperationException e) {
                    // /proc/vmcore is not mmap-able in every kernel configuration
                }
            }
            return new FileBacking.Cached(ch, fileSize);
        }

        private void checkIdent(byte[] eh) {
            if (eh[0] != 0x7f || eh[1] != 'E' || eh[2] != 'L' || eh[3] != 'F') {
                throw fail("not an ELF file (bad magic)");
            }
            if (eh[EI_CLASS] != ELFCLASS64) {
                throw fail("not ELF64 (EI_CLASS " + eh[EI_CLASS] + ")");
            }
            if (eh[EI_DATA] != ELFDATA2LSB) {
                throw fail("not little-endian (EI_DATA " + eh[EI_DATA] + ")");
            }
            int machine = LittleEndian.u16(eh, E_MACHINE);
            if (machine != EM_X86_64) {
                throw fail("unsupported architecture " + machine + " (only x86-64, e_machine " + EM_X86_64 + ")");
            }
            int type = LittleEndian.u16(eh, E_TYPE);
            if (type != ET_CORE) {
                throw fail("not an ELF core file (e_type " + type + ", expected ET_CORE " + ET_CORE + ")");
            }
        }

        private void checkLoad(int i, LoadSegment s) {
            if (s.paddr() < 0 || s.memSize() < 0 || s.paddr() + s.memSize() < 0) {
                throw fail("PT_LOAD #" + i + " has an impossible physical range (paddr 0x" + Long.toHexString(s.paddr())
                        + ", memsz 0x" + Long.toHexString(s.memSize()) + ")");
            }
            if (Long.compareUnsigned(s.fileSize(), s.memSize()) > 0) {
                throw fail("PT_LOAD #" + i + " has p_filesz 0x" + Long.toHexString(s.fileSize())
                        + " > p_memsz 0x" + Long.toHexString(s.memSize()));
            }
            if (s.fileSize() > 0 && !withinFile(s.fileOffset(), s.fileSize())) {
                throw fail("truncated vmcore: PT_LOAD #" + i + " (paddr 0x" + Long.toHexString(s.paddr())
                        + ") needs file bytes 0x" + Long.toHexString(s.fileOffset()) + "+0x" + Long.toHexString(s.fileSize())
                        + " but the file has only 0x" + Long.toHexString(fileSize) + " bytes");
            }
        }

        private boolean withinFile(long off, long len) {
            return off >= 0 && len >= 0 && off <= fileSize && len <= fileSize - off;
        }

        private byte[] readHeaderBytes(long off, long len, String whatIfMissing) throws IOException {
            if (!withinFile(off, len) || len > Integer.MAX_VALUE - 8) {
                throw fail(whatIfMissing);
            }
            byte[] b = new byte[(int) len];
            FileBacking.readFully(ch, off, b, 0, b.length);
            return b;
        }

        private VmcoreFormatException fail(String problem) {
            return new VmcoreFormatException(src, problem);
        }

        private static long vmcoreSize(Path p, FileChannel ch) throws IOException {
            long s = ch.size();
            return s > 0 ? s : Files.size(p);
        }
    }

    @Override
    public void read(long paddr, byte[] dst, int off, int len) {
        Objects.checkFromIndexSize(off, len, dst.length);
        read(paddr, ByteBuffer.wrap(dst, off, len), len);
    }

    @Override
    public void read(long paddr, ByteBuffer dst, int len) {
        if (len < 0 || len > dst.remaining()) {
            throw new IndexOutOfBoundsException("read of " + len + " bytes into a buffer with " + dst.remaining() + " left");
        }
        long p = paddr;
        int done = 0;
        while (done < len) {
            SegmentMap.Piece piece = map.find(p);
            if (piece == null) {
                throw new MemoryAccessException(p, "physical address not in vmcore " + path.getFileName()
                        + (p == paddr ? "" : " (read of " + len + " bytes from 0x" + Long.toHexString(paddr) + ")"));
            }
            int n = (int) Math.min(len - done, piece.end() - p);
            LoadSegment s = piece.segment();
            long rel = p - s.paddr();
            int fromFile = (int) Math.max(0, Math.min(n, s.fileSize() - rel));
            if (fromFile > 0) {
                try {
                    backing.read(s.fileOffset() + rel, dst, fromFile);
                } catch (IOException e) {
                    throw new MemoryAccessException(p, "I/O error reading vmcore " + path.getFileName() + ": " + e.getMessage(), e);
                }
            }
            for (int i = fromFile; i < n; i++) {
                dst.put((byte) 0);
            }
            done += n;
            p += n;
        }
    }

    @Override
    public boolean contains(long paddr) {
        return map.find(paddr) != null;
    }

    public Path path() { return path; }

    /** PT_LOAD segments in program header order (zero-size ones dropped). */
    public List<LoadSegment> segments() { return segments; }

    /** All notes of all PT_NOTE segments, in file order. */
    public List<ElfNote> notes() { return notes; }

    public VmcoreInfo vmcoreInfo() { return vmcoreInfo; }

    /** Register state per CPU from the NT_PRSTATUS notes, in note order. */
    public List<CpuState> cpus() { return cpus; }

    /** Non-fatal oddities seen while opening (malformed notes that were skipped). */
    public List<String> warnings() { return warnings; }

    /** "mmap" or "positional reads". */
    public String accessMode() { return backing.describe(); }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "ElfVmcore[" + path + ", " + segments.size() + " PT_LOAD, " + cpus.size() + " CPUs, " + accessMode() + "]";
    }
}
