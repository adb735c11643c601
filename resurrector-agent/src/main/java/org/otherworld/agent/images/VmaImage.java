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
 */
public record VmaImage(long start, long end, long pgoff, int prot, int flags, int status, String path, long madv) {

    /** True when the contents of this VMA come from pages-N.img (private memory). */
    public boolean privateMemory() {
        return (status & (VmaStatus.ANON_PRIVATE | VmaStatus.FILE_PRIVATE)) != 0
                && (status & VmaStatus.AREA_VVAR) == 0;
    }
}
