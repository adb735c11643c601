package org.otherworld.agent.task;

/**
 * The scalar fields of a process's {@code struct mm_struct} that a restorer needs (the memory map
 * layout prctl(PR_SET_MM_MAP) takes) plus the page-table root.
 *
 * @param address   the struct mm_struct
 * @param pgd       mm->pgd (direct-map VA of the top-level page table)
 * @param savedAuxv mm->saved_auxv (pairs of AT_* type and value, ending with AT_NULL)
 * @param vdso      mm->context.vdso (start of the [vdso] mapping)
 * @param exe       d_path() of mm->exe_file, or null
 */
public record MmInfo(long address, long pgd, long startCode, long endCode, long startData, long endData,
                     long startBrk, long brk, long startStack, long argStart, long argEnd, long envStart, long envEnd,
                     long[] savedAuxv, long mmapBase, long flags, long vdso, String exe) {
}
