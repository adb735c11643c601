package org.otherworld.agent.kernel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfKind;

/**
 * A kernel struct or union as described by BTF. Member paths are resolved once and cached.
 *
 * <p>Path syntax: member names separated by dots, descending into embedded structs/unions
 * ({@code thread.fsbase}); members of anonymous structs/unions are found by their own name, as in C;
 * a member name may be followed by one or more {@code [index]} suffixes to select an array element
 * ({@code slots[3]}, {@code pairs[1].b}).
 */
public final class StructType {
    /** Bound on anonymous-member nesting, against corrupt (cyclic) type graphs. */
    private static final int MAX_ANON_DEPTH = 32;
    /** The name of an anonymous member. */
    private static final byte[] NO_NAME = new byte[0];

    private final KernelTypes types;
    private final int typeId;
    private final ConcurrentHashMap<String, Member> members = new ConcurrentHashMap<>();
    /** Paths {@link #hasMember} found not to exist. */
    private final java.util.Set<String> absent = ConcurrentHashMap.newKeySet();

    StructType(KernelTypes types, int typeId) {
        this.types = types;
        this.typeId = typeId;
    }

    /** The type registry this struct belongs to. */
    public KernelTypes types() {
        return types;
    }

    /** The BTF type id (of the struct/union itself, not a typedef). */
    public int typeId() {
        return typeId;
    }

    /** The struct's tag name; empty for an anonymous struct/union. */
    public String name() {
        return types.btf().name(typeId);
    }

    /** Whether this is a union. */
    public boolean isUnion() {
        return types.btf().kind(typeId) == BtfKind.UNION;
    }

    /** Size in bytes. */
    public long size() {
        return types.btf().rawSize(typeId);
    }

    /** Names of the direct members (anonymous members appear as empty strings). */
    public List<String> memberNames() {
        Btf btf = types.btf();
        int n = btf.vlen(typeId);
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            names.add(btf.memberName(typeId, i));
        }
        return names;
    }

    /**
     * The member at {@code path}, resolved on first use and cached.
     *
     * @throws UnknownMemberException naming this struct and the path if it does not exist
     */
    public Member member(String path) {
        Member m = members.get(path);
        if (m == null) {
            m = resolve(path);
            Member raced = members.putIfAbsent(path, m);
            if (raced != null) {
                m = raced;
            }
        }
        return m;
    }

    /**
     * Whether {@code path} names a member (for feature detection across kernel versions). An answer of
     * no is cached too, and found without the exception {@link #member} would throw: for the two
     * mm_struct members of the kernel patch, asked on every unpatched kernel, building it cost 60-80 ms
     * under qemu-user (docs/vm-test.md), and some of these questions are asked once per object read.
     */
    public boolean hasMember(String path) {
        if (members.containsKey(path)) {
            return true;
        }
        if (absent.contains(path)) {
            return false;
        }
        try {
            Member m = resolve(path, true);
            if (m == null) {
                absent.add(path);
                return false;
            }
            members.putIfAbsent(path, m);
            return true;
        } catch (KernelTypeException e) {
            absent.add(path);
            return false;
        }
    }

    private Member resolve(String path) {
        return resolve(path, false);
    }

    /** The member at {@code path}; with {@code orNull}, null where a name is not found instead of throwing. */
    private Member resolve(String path, boolean orNull) {
        Btf btf = types.btf();
        if (path == null || path.isEmpty()) {
            throw unknown(path, "empty member path");
        }
        long bitOffset = 0;
        int bitSize = 0;
        int current = typeId;
        int segStart = 0;
        while (segStart <= path.length()) {
            int dot = path.indexOf('.', segStart);
            int segEnd = dot < 0 ? path.length() : dot;
            String seg = path.substring(segStart, segEnd);
            int bracket = seg.indexOf('[');
            String name = bracket < 0 ? seg : seg.substring(0, bracket);
            int container = btf.resolve(current);
            if (!btf.kind(container).isComposite()) {
                throw unknown(path, "'" + name + "' is looked up in " + btf.describe(current) + ", which is not a struct or union");
            }
            if (bitSize != 0) {
                throw unknown(path, "a bitfield has no members");
            }
            if (name.isEmpty()) {
                throw unknown(path, "empty member name");
            }
            long[] found = findMember(btf, container, name.getBytes(StandardCharsets.ISO_8859_1), 0);
            if (found == null && orNull) {
                return null;
            }
            if (found == null) {
                throw unknown(path, "no member '" + name + "' in " + btf.describe(container));
            }
            bitOffset += found[0];
            bitSize = (int) found[1];
            current = (int) found[2];
            if (bitSize == 0) {
                // Old-style (kind_flag == 0) bitfields carry their position in the INT type itself.
                int r = btf.resolve(current);
                if (btf.kind(r) == BtfKind.INT) {
                    int bits = btf.intBits(r);
                    int intOffset = btf.intOffset(r);
                    if (intOffset != 0 || bits != btf.rawSize(r) * 8) {
                        bitOffset += intOffset;
                        bitSize = bits;
                    }
                }
            }
            if (bracket >= 0) {
                long[] arr = applyIndices(btf, path, seg, bracket, current);
                bitOffset += arr[0] * 8;
                current = (int) arr[1];
                if (bitSize != 0) {
                    throw unknown(path, "a bitfield is not an array");
                }
            }
            if (dot < 0) {
                break;
            }
            segStart = dot + 1;
        }
        return new Member(this, path, bitOffset, bitSize, current);
    }

    /**
     * Applies {@code [i][j]...} suffixes of a segment to array type {@code arrayType}.
     * Returns {byte offset, element type id}.
     */
    private long[] applyIndices(Btf btf, String path, String seg, int bracket, int arrayType) {
        long byteOffset = 0;
        int current = arrayType;
        int pos = bracket;
        while (pos < seg.length()) {
            int close = seg.indexOf(']', pos);
            if (seg.charAt(pos) != '[' || close < 0) {
                throw unknown(path, "bad array index syntax in '" + seg + "'");
            }
            long index;
            try {
                index = Long.parseLong(seg.substring(pos + 1, close).trim());
            } catch (NumberFormatException e) {
                throw unknown(path, "bad array index in '" + seg + "'");
            }
            int arr = btf.resolve(current);
            if (btf.kind(arr) != BtfKind.ARRAY) {
                throw unknown(path, "'" + seg + "' indexes " + btf.describe(current) + ", which is not an array");
            }
            long n = btf.arrayLength(arr);
            if (index < 0 || (n > 0 && index >= n)) {
                throw unknown(path, "index " + index + " out of bounds for " + btf.describe(arr));
            }
            current = btf.arrayElementType(arr);
            byteOffset += index * btf.sizeOf(current);
            pos = close + 1;
        }
        return new long[] {byteOffset, current};
    }

    /**
     * Finds member {@code name} in struct/union {@code id}, descending into anonymous members.
     * Returns {bit offset, kind_flag bitfield size, type id} or null.
     */
    private long[] findMember(Btf btf, int id, byte[] name, int depth) {
        if (depth > MAX_ANON_DEPTH) {
            return null;
        }
        int n = btf.vlen(id);
        for (int i = 0; i < n; i++) {
            if (btf.memberNameIs(id, i, name)) {
                return new long[] {btf.memberBitOffset(id, i), btf.memberBitfieldSize(id, i), btf.memberType(id, i)};
            }
            if (btf.memberNameIs(id, i, NO_NAME)) {
                int inner = btf.resolve(btf.memberType(id, i));
                if (btf.kind(inner).isComposite()) {
                    long[] found = findMember(btf, inner, name, depth + 1);
                    if (found != null) {
                        found[0] += btf.memberBitOffset(id, i);
                        return found;
                    }
                }
            }
        }
        return null;
    }

    private UnknownMemberException unknown(String path, String why) {
        return new UnknownMemberException("unknown member '" + path + "' of " + displayName() + ": " + why);
    }

    /** {@code struct task_struct}, or {@code struct <anon#id>} for anonymous types. */
    public String displayName() {
        return types.btf().describe(typeId);
    }

    @Override
    public String toString() {
        return displayName() + " (" + size() + " bytes)";
    }
}
