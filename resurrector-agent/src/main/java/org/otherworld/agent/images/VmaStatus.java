package org.otherworld.agent.images;

/**
 * vma_entry.status bits (VMA_AREA_* and VMA_* of criu/include/image.h at v3.17.1) and the mmap(2)
 * PROT_/MAP_ constants used with them (x86-64 Linux uapi values).
 */
public final class VmaStatus {
    private VmaStatus() {
    }

    public static final int AREA_REGULAR = 1;
    public static final int AREA_STACK = 1 << 1;
    public static final int AREA_VSYSCALL = 1 << 2;
    public static final int AREA_VDSO = 1 << 3;
    public static final int AREA_HEAP = 1 << 5;
    public static final int FILE_PRIVATE = 1 << 6;
    public static final int FILE_SHARED = 1 << 7;
    public static final int ANON_SHARED = 1 << 8;
    public static final int ANON_PRIVATE = 1 << 9;
    public static final int AREA_SYSVIPC = 1 << 10;
    public static final int AREA_SOCKET = 1 << 11;
    public static final int AREA_VVAR = 1 << 12;
    public static final int AREA_AIORING = 1 << 13;
    public static final int AREA_MEMFD = 1 << 14;

    public static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public static final int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_GROWSDOWN = 0x100;
    /** MAP_NORESERVE (x86-64 uapi asm-generic/mman.h); criu dump sets it for the VmFlags "nr" (VM_NORESERVE). */
    public static final int MAP_NORESERVE = 0x4000;

    /** open(2) flags CRIU records for mapped files. */
    public static final int O_RDONLY = 0, O_RDWR = 2;
}
