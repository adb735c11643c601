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
 */
public record VmaImage(long start, long end, long pgoff, int prot, int flags, int status, String path, long madv,
                       SysvShmAttach sysv) {

    public VmaImage {
        if (((status & VmaStatus.AREA_SYSVIPC) != 0) != (sysv != null)) {
            throw new IllegalArgumentException(String.format("VMA 0x%x-0x%x: status 0x%x and SysV attach %s do not "
                    + "match", start, end, status, sysv));
        }
    }

    /** A VMA that is not a SysV shm attach. */
    public VmaImage(long start, long end, long pgoff, int prot, int flags, int status, String path, long madv) {
        this(start, end, pgoff, prot, flags, status, path, madv, null);
    }

    /** True when the contents of this VMA come from pages-N.img (private memory). */
    public boolean privateMemory() {
        return (status & (VmaStatus.ANON_PRIVATE | VmaStatus.FILE_PRIVATE)) != 0
                && (status & VmaStatus.AREA_VVAR) == 0;
    }
}
