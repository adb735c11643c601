package org.otherworld.agent.images;

/**
 * A VMA that attaches a SysV shared memory segment (vma_entry with VMA_AREA_SYSVIPC): criu restore
 * shmat()s segment {@code shmid} of the restored IPC namespace at the VMA's start (the chunk with
 * pgoff 0) and checks that the chunks of one attach are contiguous and cover the whole segment.
 *
 * @param shmid    the segment's IPC id (also the inode number of its shm file)
 * @param writable whether the attach was read-write (not SHM_RDONLY); becomes vma_entry.fdflags O_RDWR
 */
public record SysvShmAttach(int shmid, boolean writable) {
}
