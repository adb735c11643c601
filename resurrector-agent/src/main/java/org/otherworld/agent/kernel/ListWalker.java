package org.otherworld.agent.kernel;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.otherworld.agent.btf.BtfKind;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * Bounded, corruption-aware iteration over the kernel's intrusive lists: circular
 * {@code struct list_head} lists and NULL-terminated {@code struct hlist_head}/{@code hlist_node}
 * lists. The list_head/hlist field offsets come from BTF.
 *
 * <p>Every walk is bounded by a maximum entry count, detects cycles with a visited set, checks the
 * back links ({@code next->prev == cur} for list_head, {@code node->pprev == &prev->next} for hlist)
 * and pointer alignment, and turns unreadable memory into an error result. Data problems never throw:
 * they end the walk and are reported in {@link ListWalk#error()}. Programming errors (an unknown struct
 * or member, a member that is not a list_head/hlist_node) do throw {@link KernelTypeException}.
 */
public final class ListWalker {
    /** Kernel list nodes are pointer-aligned. */
    private static final long POINTER_ALIGN_MASK = 7;

    private final KernelTypes types;
    private final VirtualMemory mem;
    private final Member listNext;
    private final Member listPrev;

    public ListWalker(KernelTypes types, VirtualMemory mem) {
        this.types = types;
        this.mem = mem;
        StructType listHead = types.struct("list_head");
        this.listNext = listHead.member("next");
        this.listPrev = listHead.member("prev");
    }

    /**
     * Walks the circular list whose {@code struct list_head} head is at {@code headAddress}; each entry
     * is the {@code struct structName} embedding a list_head at {@code memberPath}.
     *
     * @param maxEntries the most entries to accept; a longer list ends the walk with an error
     */
    public ListWalk walk(long headAddress, String structName, String memberPath, int maxEntries) {
        StructType entryType = types.struct(structName);
        Member link = entryType.member(memberPath);
        requireStruct(link, "list_head");
        String what = "list of " + entryType.displayName() + "." + memberPath + " at head 0x" + Long.toHexString(headAddress);
        List<KObject> entries = new ArrayList<>();
        Set<Long> visited = new HashSet<>();
        long prev = headAddress;
        long cur = headAddress;
        try {
            cur = mem.readU64(headAddress + listNext.offset());
            while (cur != headAddress) {
                String bad = checkPointer(cur);
                if (bad != null) {
                    return new ListWalk(entries, what + ": list corrupt at 0x" + Long.toHexString(prev) + ": next is " + bad);
                }
                if (!visited.add(cur)) {
                    return new ListWalk(entries, what + ": cycle at 0x" + Long.toHexString(cur) + " after "
                            + entries.size() + " entries");
                }
                long back = mem.readU64(cur + listPrev.offset());
                if (back != prev) {
                    return new ListWalk(entries, what + ": list corrupt at 0x" + Long.toHexString(cur) + ": prev 0x"
                            + Long.toHexString(back) + " != 0x" + Long.toHexString(prev));
                }
                if (entries.size() >= maxEntries) {
                    return new ListWalk(entries, what + ": more than " + maxEntries + " entries");
                }
                entries.add(new KObject(mem, cur - link.offset(), entryType));
                prev = cur;
                cur = mem.readU64(cur + listNext.offset());
            }
        } catch (MemoryAccessException e) {
            return new ListWalk(entries, what + ": node 0x" + Long.toHexString(cur) + " unreadable after "
                    + entries.size() + " entries: " + e.getMessage());
        }
        return new ListWalk(entries, null);
    }

    /**
     * Walks the NULL-terminated hlist whose {@code struct hlist_head} is at {@code headAddress}; each
     * entry is the {@code struct structName} embedding an hlist_node at {@code memberPath}.
     */
    public ListWalk walkHlist(long headAddress, String structName, String memberPath, int maxEntries) {
        StructType entryType = types.struct(structName);
        Member link = entryType.member(memberPath);
        requireStruct(link, "hlist_node");
        StructType hlistNode = link.structType();
        Member nodeNext = hlistNode.member("next");
        Member nodePprev = hlistNode.member("pprev");
        Member first = types.struct("hlist_head").member("first");
        String what = "hlist of " + entryType.displayName() + "." + memberPath + " at head 0x" + Long.toHexString(headAddress);
        List<KObject> entries = new ArrayList<>();
        Set<Long> visited = new HashSet<>();
        long slot = headAddress + first.offset();
        long cur = headAddress;
        try {
            cur = mem.readU64(slot);
            while (cur != 0) {
                String bad = checkPointer(cur);
                if (bad != null) {
                    return new ListWalk(entries, what + ": list corrupt at slot 0x" + Long.toHexString(slot) + ": next is " + bad);
                }
                if (!visited.add(cur)) {
                    return new ListWalk(entries, what + ": cycle at 0x" + Long.toHexString(cur) + " after "
                            + entries.size() + " entries");
                }
                long pprev = mem.readU64(cur + nodePprev.offset());
                if (pprev != slot) {
                    return new ListWalk(entries, what + ": list corrupt at 0x" + Long.toHexString(cur) + ": pprev 0x"
                            + Long.toHexString(pprev) + " != 0x" + Long.toHexString(slot));
                }
                if (entries.size() >= maxEntries) {
                    return new ListWalk(entries, what + ": more than " + maxEntries + " entries");
                }
                entries.add(new KObject(mem, cur - link.offset(), entryType));
                slot = cur + nodeNext.offset();
                cur = mem.readU64(slot);
            }
        } catch (MemoryAccessException e) {
            return new ListWalk(entries, what + ": node 0x" + Long.toHexString(cur) + " unreadable after "
                    + entries.size() + " entries: " + e.getMessage());
        }
        return new ListWalk(entries, null);
    }

    private static String checkPointer(long p) {
        if (p == 0) {
            return "NULL";
        }
        if ((p & POINTER_ALIGN_MASK) != 0) {
            return "misaligned 0x" + Long.toHexString(p);
        }
        return null;
    }

    private static void requireStruct(Member link, String structName) {
        if (link.kind() != BtfKind.STRUCT || !link.structType().name().equals(structName)) {
            throw new KernelTypeException(link.describe() + " is " + link.typeName() + ", not a struct " + structName);
        }
    }
}
