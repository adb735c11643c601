package org.otherworld.agent.mm;

/** What a non-empty leaf page-table entry describes. */
public enum PageKind {
    /** Present page (_PAGE_PRESENT set), or a huge PMD/PUD temporarily invalidated during split. */
    PRESENT,
    /** PROT_NONE / NUMA-hinting entry: present bit clear, _PAGE_PROTNONE set; resident, PFN inverted. */
    PROT_NONE,
    /** Real swap entry: swap type &lt; MAX_SWAPFILES, offset = slot in that swap area. */
    SWAP,
    /** Migration entry (read, read-exclusive, write); the offset holds the PFN of the old page. */
    MIGRATION,
    /** Device-private or device-exclusive entry; the offset holds a PFN of device memory. */
    DEVICE,
    /** Hardware-poisoned page. */
    HWPOISON,
    /** PTE marker (e.g. userfaultfd write-protect on an unpopulated file page). */
    PTE_MARKER,
    /** Swap-in error marker or an unrecognised non-present entry. */
    OTHER;

    /** Whether the page's data is in RAM at {@link PageMapping#pa()}. */
    public boolean resident() {
        return this == PRESENT || this == PROT_NONE;
    }
}
