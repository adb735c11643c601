package org.otherworld.agent.images;

/**
 * The contents of one shared anonymous memory object (an mmap(MAP_SHARED | MAP_ANONYMOUS) region, or
 * /dev/zero mapped shared: a shmem inode in the kernel), written as criu dump writes it:
 * {@code pagemap-shmem-SHMID.img} (a pagemap whose addresses are byte offsets in the object) and its own
 * {@code pages-N.img}. criu restore creates it once (a memfd, in the set's process with the lowest pid that
 * maps it) and the other mappers open that one, so the memory stays shared.
 *
 * @param shmid the key its VMAs carry ({@link VmaImage#shmid()})
 * @param size  bytes the mappings cover (largest pgoff + length over its VMAs)
 * @param pages its non-zero resident pages in ascending offset order ({@code va} = offset); absent pages
 *              read as zeros
 */
public record AnonShmemImage(long shmid, long size, PageSource pages) {
    public AnonShmemImage {
        if (shmid <= 0 || size <= 0 || size % ImageFormat.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("shared anonymous memory " + shmid + ": bad key or size " + size);
        }
        pages = pages == null ? PageSource.NONE : pages;
    }
}
