package org.otherworld.agent.images;

/**
 * One VMA (vma_entry).
 *
 * @param start     first address (page aligned)
 * @param end       end address, exclusive
 * @param pgoff     file offset in bytes (CRIU stores the byte offset, vm_pgoff &lt;&lt; 12)
 * @param prot      PROT_* bits
 * @param flags     MAP_* bits (MAP_PRIVATE/MAP_SHARED, MAP_ANONYMOUS, MAP_GROWSDOWN, ...)
 * @param status    {@link VmaStatus} bits
 * @param path      absolute path of the mapped file, or null for anonymous memory
 * @param madv      MADV_* bitmap (bit n = advice n), 0 for none
 * @param sysv      for a SysV shm attach ({@link VmaStatus#AREA_SYSVIPC}) the segment, else null
 * @param shmid     for shared anonymous memory ({@link VmaStatus#ANON_SHARED} without AREA_SYSVIPC) the key of
 *                  its {@link AnonShmemImage} in the set (the dead kernel's shmem inode number), else 0
 */
public record VmaImage(long start, long end, long pgoff, int prot, int flags, int status, String path, long madv,
                       SysvShmAttach sysv, long shmid) {

    public VmaImage {
        if (((status & VmaStatus.AREA_SYSVIPC) != 0) != (sysv != null)) {
            throw new IllegalArgumentException(String.format("VMA 0x%x-0x%x: status 0x%x and SysV attach %s do not "
                    + "match", start, end, status, sysv));
        }
        if (shmid != 0 && ((status & VmaStatus.ANON_SHARED) == 0 || sysv != null)) {
            throw new IllegalArgumentException(String.format("VMA 0x%x-0x%x: shmem key %d on a VMA that is not shared "
                    + "anonymous memory (status 0x%x)", start, end, shmid, status));
        }
    }

    /** A VMA that is not a SysV shm attach. */
    public VmaImage(long start, long end, long pgoff, int prot, int flags, int status, String path, long madv) {
        this(start, end, pgoff, prot, flags, status, path, madv, null, 0);
    }

    /** A VMA that is not shared anonymous memory (or is a SysV attach). */
    public VmaImage(long start, long end, long pgoff, int prot, int flags, int status, String path, long madv,
                    SysvShmAttach sysv) {
        this(start, end, pgoff, prot, flags, status, path, madv, sysv, 0);
    }

    /** Whether this VMA maps shared anonymous memory whose contents are an {@link AnonShmemImage}. */
    public boolean anonShmem() {
        return shmid != 0;
    }

    /** True when the contents of this VMA come from pages-N.img (private memory). */
    public boolean privateMemory() {
        return (status & (VmaStatus.ANON_PRIVATE | VmaStatus.FILE_PRIVATE)) != 0
                && (status & VmaStatus.AREA_VVAR) == 0;
    }
}
