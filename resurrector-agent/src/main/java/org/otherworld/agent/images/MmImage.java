package org.otherworld.agent.images;

import java.util.List;

/**
 * A process's address space (mm_entry, written to mm-PID.img with the VMAs inline). Addresses are the
 * mm_struct fields of the same names.
 *
 * @param auxv      saved auxiliary vector (mm->saved_auxv, pairs of type/value, may end with AT_NULL)
 * @param exePath   absolute path of the executable (becomes a file_entry; exe_file_id points to it)
 * @param vmas      VMAs in ascending address order, non-overlapping
 * @param dumpable  prctl PR_GET_DUMPABLE value (1 normally)
 */
public record MmImage(long startCode, long endCode, long startData, long endData, long startStack, long startBrk,
        long brk, long argStart, long argEnd, long envStart, long envEnd, long[] auxv, String exePath,
        List<VmaImage> vmas, int dumpable) {

    public MmImage {
        vmas = List.copyOf(vmas);
        auxv = auxv == null ? new long[0] : auxv.clone();
    }
}
