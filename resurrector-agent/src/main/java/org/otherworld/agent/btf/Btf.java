package org.otherworld.agent.btf;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * A parsed BTF (BPF Type Format) blob, such as the kernel's own type information found between the
 * symbols {@code __start_BTF} and {@code __stop_BTF}.
 *
 * <p>Layout facts come from the kernel's {@code include/uapi/linux/btf.h} and
 * {@code Documentation/bpf/btf.rst}: a header ({@code struct btf_header}), a type section of
 * variable-length records ({@code struct btf_type}, 12 bytes, then kind-specific data), and a string
 * section of NUL-terminated names. Type ids start at 1 in record order; id 0 is {@code void}.
 *
 * <p>The blob is kept as is and records are decoded on demand; parsing only walks the type section
 * once to record where each type starts and checks every record, name offset and type reference.
 * Accessors taking a type id throw {@link BtfFormatException} for ids outside {@code 1..typeCount()}
 * (id 0 is accepted where "void" makes sense: {@link #kind}, {@link #name}, {@link #sizeOf},
 * {@link #resolve}). Instances are immutable apart from a lazily built name index and are thread-safe.
 */
public final class Btf {
    /** {@code BTF_MAGIC} from btf.h, stored little-endian. */
    public static final int MAGIC = 0xeb9f;
    /** {@code BTF_VERSION} from btf.h. */
    public static final int VERSION = 1;
    /** Size of {@code struct btf_header} (version 1): magic, version, flags, hdr_len, 4 x u32. */
    public static final int HEADER_MIN_LEN = 24;
    /** Size of {@code struct btf_type}: name_off, info, size/type. */
    public static final int TYPE_RECORD_LEN = 12;
    /** Pointer size of the target (x86-64). */
    public static final int POINTER_SIZE = 8;

    /** {@code BTF_INT_SIGNED} / {@code BTF_INT_CHAR} / {@code BTF_INT_BOOL} integer encoding bits. */
    public static final int INT_SIGNED = 1, INT_CHAR = 2, INT_BOOL = 4;

    // Sizes of the kind-specific data that follows a btf_type (btf.h).
    private static final int INT_DATA = 4;          // u32: encoding<<24 | offset<<16 | bits
    private static final int ARRAY_DATA = 12;       // struct btf_array: type, index_type, nelems
    private static final int MEMBER_LEN = 12;       // struct btf_member: name_off, type, offset
    private static final int ENUM_LEN = 8;          // struct btf_enum: name_off, s32 val
    private static final int PARAM_LEN = 8;         // struct btf_param: name_off, type
    private static final int VAR_DATA = 4;          // struct btf_var: linkage
    private static final int SECINFO_LEN = 12;      // struct btf_var_secinfo: type, offset, size
    private static final int DECL_TAG_DATA = 4;     // struct btf_decl_tag: s32 component_idx
    private static final int ENUM64_LEN = 12;       // struct btf_enum64: name_off, val_lo32, val_hi32

    /** Upper bound accepted by {@link #load}; kernel BTF is a few MB. */
    public static final int MAX_BLOB_SIZE = 64 << 20;
    private static final int LOAD_CHUNK = 1 << 20;

    /** Bound on typedef/qualifier/array chains, to stop on cyclic (corrupt) type graphs. */
    private static final int MAX_CHAIN = 64;

    private final byte[] blob;
    private final int flags;
    private final int strStart;
    private final int strLen;
    /** typeOff[id] = absolute blob offset of type {@code id}'s btf_type record; [0] unused. */
    private final int[] typeOff;
    /** kinds[id] = kind code of type id. */
    private final byte[] kinds;
    private final int count;
    private final Map<BtfKind, Map<String, Integer>> nameIndex = new HashMap<>();

    private Btf(byte[] blob, int flags, int strStart, int strLen, int[] typeOff, byte[] kinds, int count) {
        this.blob = blob;
        this.flags = flags;
        this.strStart = strStart;
        this.strLen = strLen;
        this.typeOff = typeOff;
        this.kinds = kinds;
        this.count = count;
    }

    /**
     * Parses and validates a raw BTF blob. The array is kept (not copied); do not modify it afterwards.
     *
     * @throws BtfFormatException naming the problem (and type id) if the blob is malformed
     */
    public static Btf parse(byte[] blob) {
        if (blob.length < HEADER_MIN_LEN) {
            throw new BtfFormatException("BTF blob too short for a header: " + blob.length + " bytes");
        }
        int magic = u16(blob, 0);
        if (magic != MAGIC) {
            throw new BtfFormatException("bad BTF magic 0x" + Integer.toHexString(magic) + ", expected 0xeb9f"
                    + (magic == 0x9feb ? " (big-endian BTF is not supported)" : ""));
        }
        int version = blob[2] & 0xff;
        if (version != VERSION) {
            throw new BtfFormatException("unsupported BTF version " + version + ", expected " + VERSION);
        }
        int flags = blob[3] & 0xff;
        long hdrLen = u32(blob, 4);
        if (hdrLen < HEADER_MIN_LEN || hdrLen > blob.length) {
            throw new BtfFormatException("BTF hdr_len " + hdrLen + " invalid for a blob of " + blob.length + " bytes");
        }
        long typeOffRel = u32(blob, 8), typeLen = u32(blob, 12), strOffRel = u32(blob, 16), strLen = u32(blob, 20);
        long typeStart = hdrLen + typeOffRel, typeEnd = typeStart + typeLen;
        long strStart = hdrLen + strOffRel, strEnd = strStart + strLen;
        if (typeEnd > blob.length) {
            throw new BtfFormatException("BTF type section [" + typeStart + ", " + typeEnd
                    + ") extends beyond the blob of " + blob.length + " bytes");
        }
        if (strEnd > blob.length) {
            throw new BtfFormatException("BTF string section [" + strStart + ", " + strEnd
                    + ") extends beyond the blob of " + blob.length + " bytes");
        }
        if (strLen > 0 && blob[(int) strEnd - 1] != 0) {
            throw new BtfFormatException("BTF string section does not end with a NUL byte");
        }
        int[] offs = new int[Math.max(16, (int) (typeLen / 16) + 2)];
        byte[] kinds = new byte[offs.length];
        int id = 0;
        int pos = (int) typeStart;
        int end = (int) typeEnd;
        while (pos < end) {
            id++;
            if (pos + TYPE_RECORD_LEN > end) {
                throw new BtfFormatException("truncated BTF type record for type id " + id + " at offset " + pos);
            }
            int info = (int) u32(blob, pos + 4);
            int kindCode = (info >>> 24) & 0x1f;
            BtfKind kind = BtfKind.ofCode(kindCode);
            if (kind == null) {
                throw new BtfFormatException("unknown BTF kind " + kindCode + " for type id " + id + " at offset " + pos);
            }
            long recLen = TYPE_RECORD_LEN + dataLength(kind, info & 0xffff);
            if (pos + recLen > end) {
                throw new BtfFormatException("truncated " + kind + " data for BTF type id " + id + " at offset " + pos);
            }
            if (id >= offs.length) {
                offs = java.util.Arrays.copyOf(offs, offs.length * 2);
                kinds = java.util.Arrays.copyOf(kinds, offs.length);
            }
            offs[id] = pos;
            kinds[id] = (byte) kindCode;
            pos += (int) recLen;
        }
        Btf btf = new Btf(blob, flags, (int) strStart, (int) strLen, offs, kinds, id);
        btf.validate();
        return btf;
    }

    /**
     * Reads and parses the BTF blob held in {@code [start, stop)} of {@code mem}, e.g. the kernel's
     * image between the symbols {@code __start_BTF} and {@code __stop_BTF}.
     *
     * @throws BtfFormatException if the range is empty, inverted or implausibly large (over
     *     {@value #MAX_BLOB_SIZE} bytes), or the blob is malformed
     * @throws org.otherworld.agent.vmcore.MemoryAccessException if the range cannot be read
     */
    public static Btf load(VirtualMemory mem, long start, long stop) {
        long len = stop - start;
        if (Long.compareUnsigned(stop, start) <= 0 || len > MAX_BLOB_SIZE) {
            throw new BtfFormatException("implausible BTF range [0x" + Long.toHexString(start) + ", 0x"
                    + Long.toHexString(stop) + ")");
        }
        byte[] blob = new byte[(int) len];
        for (int off = 0; off < blob.length; off += LOAD_CHUNK) {
            mem.read(start + off, blob, off, Math.min(LOAD_CHUNK, blob.length - off));
        }
        return parse(blob);
    }

    private static long dataLength(BtfKind kind, int vlen) {
        switch (kind) {
            case INT: return INT_DATA;
            case ARRAY: return ARRAY_DATA;
            case STRUCT: case UNION: return (long) vlen * MEMBER_LEN;
            case ENUM: return (long) vlen * ENUM_LEN;
            case FUNC_PROTO: return (long) vlen * PARAM_LEN;
            case VAR: return VAR_DATA;
            case DATASEC: return (long) vlen * SECINFO_LEN;
            case DECL_TAG: return DECL_TAG_DATA;
            case ENUM64: return (long) vlen * ENUM64_LEN;
            default: return 0;
        }
    }

    /** Checks every name offset and every type reference of every record. */
    private void validate() {
        for (int id = 1; id <= count; id++) {
            int off = typeOff[id];
            checkName(id, u32i(off));
            BtfKind kind = BtfKind.ofCode(kinds[id]);
            int vlen = vlen(id);
            int data = off + TYPE_RECORD_LEN;
            switch (kind) {
                case PTR: case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG:
                case FUNC: case VAR: case DECL_TAG:
                    checkRef(id, u32i(off + 8), "referenced type");
                    break;
                case FUNC_PROTO:
                    checkRef(id, u32i(off + 8), "return type");
                    for (int i = 0; i < vlen; i++) {
                        checkName(id, u32i(data + i * PARAM_LEN));
                        checkRef(id, u32i(data + i * PARAM_LEN + 4), "parameter", i);
                    }
                    break;
                case ARRAY:
                    checkRef(id, u32i(data), "array element type");
                    checkRef(id, u32i(data + 4), "array index type");
                    break;
                case STRUCT: case UNION:
                    for (int i = 0; i < vlen; i++) {
                        checkName(id, u32i(data + i * MEMBER_LEN));
                        checkRef(id, u32i(data + i * MEMBER_LEN + 4), "member", i);
                    }
                    break;
                case ENUM:
                    for (int i = 0; i < vlen; i++) {
                        checkName(id, u32i(data + i * ENUM_LEN));
                    }
                    break;
                case ENUM64:
                    for (int i = 0; i < vlen; i++) {
                        checkName(id, u32i(data + i * ENUM64_LEN));
                    }
                    break;
                case DATASEC:
                    for (int i = 0; i < vlen; i++) {
                        checkRef(id, u32i(data + i * SECINFO_LEN), "datasec entry", i);
                    }
                    break;
                default:
                    break;
            }
        }
    }

    private void checkName(int id, int nameOff) {
        if (nameOff != 0 && (nameOff < 0 || nameOff >= strLen)) {
            throw new BtfFormatException("name offset " + Integer.toUnsignedString(nameOff)
                    + " beyond the string section (" + strLen + " bytes) in BTF type id " + id);
        }
    }

    private void checkRef(int id, int ref, String what) {
        checkRef(id, ref, what, -1);
    }

    /**
     * As {@link #checkRef(int, int, String)} for entry {@code index} of a list ("member 3 type"); the
     * message is built only for a bad reference (this runs for every member of every type).
     */
    private void checkRef(int id, int ref, String what, int index) {
        if (ref < 0 || ref > count) {
            throw new BtfFormatException("BTF type id " + id + " (" + kind(id) + ") " + (index < 0 ? what : what + " " + index
                    + " type") + " refers to missing type id " + Integer.toUnsignedString(ref) + " (types are 1.." + count + ")");
        }
    }

    // ---- general accessors ----

    /** The number of types; valid ids are {@code 1..typeCount()}. */
    public int typeCount() {
        return count;
    }

    /** The header's flags byte. */
    public int flags() {
        return flags;
    }

    /** The kind of type {@code id}; {@link BtfKind#UNKNOWN} for id 0 (void). */
    public BtfKind kind(int id) {
        if (id == 0) {
            return BtfKind.UNKNOWN;
        }
        checkId(id);
        return BtfKind.ofCode(kinds[id]);
    }

    /** The name of type {@code id}; the empty string for anonymous types and for void. */
    public String name(int id) {
        if (id == 0) {
            return "";
        }
        return string(u32i(rec(id)));
    }

    /** Number of members/enumerators/parameters/section entries ({@code vlen}); linkage for FUNC. */
    public int vlen(int id) {
        return u32i(rec(id) + 4) & 0xffff;
    }

    /** The {@code kind_flag} bit of the type's info word. */
    public boolean kindFlag(int id) {
        return u32i(rec(id) + 4) < 0;
    }

    /** The raw size field (INT, ENUM, ENUM64, STRUCT, UNION, FLOAT, DATASEC), unsigned. */
    public long rawSize(int id) {
        return u32(blob, rec(id) + 8);
    }

    /** The raw referenced type id (PTR, TYPEDEF, qualifiers, FUNC, FUNC_PROTO return, VAR, DECL_TAG, TYPE_TAG). */
    public int refType(int id) {
        return u32i(rec(id) + 8);
    }

    // ---- INT ----

    /** INT encoding bits ({@link #INT_SIGNED}, {@link #INT_CHAR}, {@link #INT_BOOL}). */
    public int intEncoding(int id) {
        return (intData(id) >>> 24) & 0x0f;
    }

    /** INT bit offset ({@code BTF_INT_OFFSET}; non-zero only for old-style bitfield types). */
    public int intOffset(int id) {
        return (intData(id) >>> 16) & 0xff;
    }

    /** INT width in bits ({@code BTF_INT_BITS}). */
    public int intBits(int id) {
        return intData(id) & 0xff;
    }

    private int intData(int id) {
        expect(id, BtfKind.INT);
        return u32i(rec(id) + TYPE_RECORD_LEN);
    }

    // ---- ARRAY ----

    /** Element type of an ARRAY. */
    public int arrayElementType(int id) {
        expect(id, BtfKind.ARRAY);
        return u32i(rec(id) + TYPE_RECORD_LEN);
    }

    /** Index type of an ARRAY. */
    public int arrayIndexType(int id) {
        expect(id, BtfKind.ARRAY);
        return u32i(rec(id) + TYPE_RECORD_LEN + 4);
    }

    /** Element count of an ARRAY (0 for flexible array members). */
    public long arrayLength(int id) {
        expect(id, BtfKind.ARRAY);
        return u32(blob, rec(id) + TYPE_RECORD_LEN + 8);
    }

    // ---- STRUCT / UNION members ----

    /** Name of member {@code i} of a STRUCT/UNION; empty for anonymous members. */
    public String memberName(int id, int i) {
        return string(u32i(member(id, i)));
    }

    /**
     * Whether member {@code i} of a STRUCT/UNION is named {@code name} (ISO-8859-1 bytes, as
     * {@code name.getBytes(ISO_8859_1)}); an empty {@code name} matches anonymous members. Compared in the
     * string section, without making a String per member.
     */
    public boolean memberNameIs(int id, int i, byte[] name) {
        int nameOff = u32i(member(id, i));
        if (nameOff == 0 || name.length == 0) {
            return nameOff == 0 && name.length == 0;
        }
        return nameIs(nameOff, name);
    }

    /** Type of member {@code i}. */
    public int memberType(int id, int i) {
        return u32i(member(id, i) + 4);
    }

    /** Bit offset of member {@code i} from the start of the struct (kind_flag aware). */
    public long memberBitOffset(int id, int i) {
        long raw = u32(blob, member(id, i) + 8);
        return kindFlag(id) ? raw & 0xffffff : raw;
    }

    /** Bitfield size of member {@code i} when the struct has kind_flag set (0 = not a bitfield); else 0. */
    public int memberBitfieldSize(int id, int i) {
        return kindFlag(id) ? (int) (u32(blob, member(id, i) + 8) >>> 24) : 0;
    }

    private int member(int id, int i) {
        BtfKind k = kind(id);
        if (!k.isComposite()) {
            throw new BtfFormatException("BTF type id " + id + " is " + k + ", not STRUCT/UNION");
        }
        return rec(id) + TYPE_RECORD_LEN + checkIndex(id, i) * MEMBER_LEN;
    }

    // ---- ENUM / ENUM64 ----

    /** Name of enumerator {@code i} of an ENUM or ENUM64. */
    public String enumName(int id, int i) {
        return string(u32i(enumerator(id, i)));
    }

    /**
     * Value of enumerator {@code i}: sign-extended when the enum's kind_flag marks it signed, otherwise
     * zero-extended (ENUM values are 32 bits, ENUM64 values 64 bits).
     */
    public long enumValue(int id, int i) {
        int e = enumerator(id, i);
        if (kind(id) == BtfKind.ENUM) {
            int v = u32i(e + 4);
            return kindFlag(id) ? v : v & 0xffffffffL;
        }
        return u32(blob, e + 4) | u32(blob, e + 8) << 32;
    }

    /**
     * The value of the first enumerator named {@code name} of any ENUM or ENUM64, in type id order (anonymous
     * enums included), or empty. The names are compared in the string section itself: no String is made
     * for the tens of thousands of enumerators a kernel has.
     */
    public java.util.OptionalLong enumeratorValue(String name) {
        byte[] want = name.getBytes(StandardCharsets.ISO_8859_1);
        byte enumCode = (byte) BtfKind.ENUM.code(), enum64Code = (byte) BtfKind.ENUM64.code();
        for (int id = 1; id <= count; id++) {
            if (kinds[id] != enumCode && kinds[id] != enum64Code) {
                continue;
            }
            int n = vlen(id);
            for (int i = 0; i < n; i++) {
                if (nameIs(u32i(enumerator(id, i)), want)) {
                    return java.util.OptionalLong.of(enumValue(id, i));
                }
            }
        }
        return java.util.OptionalLong.empty();
    }

    /** Whether the string at {@code nameOff} (validated) is exactly {@code want}. */
    private boolean nameIs(int nameOff, byte[] want) {
        int start = strStart + nameOff;
        if (nameOff + want.length >= strLen) { // the section ends with a NUL: no room for want and its NUL
            return false;
        }
        for (int k = 0; k < want.length; k++) {
            if (blob[start + k] != want[k]) {
                return false;
            }
        }
        return blob[start + want.length] == 0;
    }

    private int enumerator(int id, int i) {
        BtfKind k = kind(id);
        if (k == BtfKind.ENUM) {
            return rec(id) + TYPE_RECORD_LEN + checkIndex(id, i) * ENUM_LEN;
        }
        if (k == BtfKind.ENUM64) {
            return rec(id) + TYPE_RECORD_LEN + checkIndex(id, i) * ENUM64_LEN;
        }
        throw new BtfFormatException("BTF type id " + id + " is " + k + ", not ENUM/ENUM64");
    }

    // ---- FUNC_PROTO / FUNC ----

    /** Name of parameter {@code i} of a FUNC_PROTO (often empty). */
    public String paramName(int id, int i) {
        expect(id, BtfKind.FUNC_PROTO);
        return string(u32i(rec(id) + TYPE_RECORD_LEN + checkIndex(id, i) * PARAM_LEN));
    }

    /** Type of parameter {@code i} of a FUNC_PROTO (0 for a trailing {@code ...}). */
    public int paramType(int id, int i) {
        expect(id, BtfKind.FUNC_PROTO);
        return u32i(rec(id) + TYPE_RECORD_LEN + checkIndex(id, i) * PARAM_LEN + 4);
    }

    /** Linkage of a FUNC (stored in vlen: 0 static, 1 global, 2 extern). */
    public int funcLinkage(int id) {
        expect(id, BtfKind.FUNC);
        return vlen(id);
    }

    // ---- VAR / DATASEC / DECL_TAG ----

    /** Linkage of a VAR (0 static, 1 global-allocated, 2 extern). */
    public int varLinkage(int id) {
        expect(id, BtfKind.VAR);
        return u32i(rec(id) + TYPE_RECORD_LEN);
    }

    /** Type (a VAR or FUNC) of DATASEC entry {@code i}. */
    public int secinfoType(int id, int i) {
        return u32i(secinfo(id, i));
    }

    /** Offset within the section of DATASEC entry {@code i}. */
    public long secinfoOffset(int id, int i) {
        return u32(blob, secinfo(id, i) + 4);
    }

    /** Size of DATASEC entry {@code i}. */
    public long secinfoSize(int id, int i) {
        return u32(blob, secinfo(id, i) + 8);
    }

    private int secinfo(int id, int i) {
        expect(id, BtfKind.DATASEC);
        return rec(id) + TYPE_RECORD_LEN + checkIndex(id, i) * SECINFO_LEN;
    }

    /** Component index of a DECL_TAG: -1 for the declaration itself, else the member/parameter index. */
    public int declTagComponentIndex(int id) {
        expect(id, BtfKind.DECL_TAG);
        return u32i(rec(id) + TYPE_RECORD_LEN);
    }

    // ---- derived ----

    /**
     * Follows typedefs, cv-qualifiers and type tags to the underlying type; 0 stays 0 (void).
     *
     * @throws BtfFormatException if the chain is longer than a sane bound (cyclic, corrupt data)
     */
    public int resolve(int id) {
        for (int hops = 0; hops < MAX_CHAIN; hops++) {
            if (id == 0 || !kind(id).isAlias()) {
                return id;
            }
            id = refType(id);
        }
        throw new BtfFormatException("type chain too long (cyclic?) at BTF type id " + id);
    }

    /**
     * Size in bytes of type {@code id}, following typedefs, qualifiers, VARs and arrays. Pointers are
     * {@value #POINTER_SIZE} bytes. void, FWD, FUNC, FUNC_PROTO and DECL_TAG have size 0.
     */
    public long sizeOf(int id) {
        long mult = 1;
        for (int hops = 0; hops < MAX_CHAIN; hops++) {
            if (id == 0) {
                return 0;
            }
            switch (kind(id)) {
                case INT: case ENUM: case ENUM64: case STRUCT: case UNION: case FLOAT: case DATASEC:
                    return mult * rawSize(id);
                case PTR:
                    return mult * POINTER_SIZE;
                case ARRAY:
                    mult *= arrayLength(id);
                    id = arrayElementType(id);
                    break;
                case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: case VAR:
                    id = refType(id);
                    break;
                default:
                    return 0;
            }
        }
        throw new BtfFormatException("type chain too long (cyclic?) computing the size of BTF type id " + id);
    }

    /** A short C-like description of a type for messages, e.g. {@code struct list_head *}. */
    public String describe(int id) {
        return describe(id, 0);
    }

    private String describe(int id, int depth) {
        if (id == 0) {
            return "void";
        }
        if (depth > 8) {
            return "...";
        }
        BtfKind k = kind(id);
        String n = name(id);
        switch (k) {
            case STRUCT: return "struct " + (n.isEmpty() ? "<anon#" + id + ">" : n);
            case UNION: return "union " + (n.isEmpty() ? "<anon#" + id + ">" : n);
            case ENUM: case ENUM64: return "enum " + (n.isEmpty() ? "<anon#" + id + ">" : n);
            case PTR: return describe(refType(id), depth + 1) + " *";
            case ARRAY: {
                StringBuilder dims = new StringBuilder();
                int elem = id;
                for (int i = 0; i < MAX_CHAIN && kind(elem) == BtfKind.ARRAY; i++) {
                    dims.append('[').append(arrayLength(elem)).append(']');
                    elem = arrayElementType(elem);
                }
                return describe(elem, depth + 1) + dims;
            }
            case CONST: return "const " + describe(refType(id), depth + 1);
            case VOLATILE: return "volatile " + describe(refType(id), depth + 1);
            case RESTRICT: return describe(refType(id), depth + 1) + " restrict";
            case TYPE_TAG: return describe(refType(id), depth + 1);
            case FUNC_PROTO: return "function";
            default: return n.isEmpty() ? k.name().toLowerCase() + "#" + id : n;
        }
    }

    // ---- lookup by name ----

    /**
     * The id of the type of kind {@code kind} named {@code name}, or 0 if there is none. When several
     * types share the name (possible in deduplicated kernel BTF), the first one with a non-zero size or
     * member count wins. The index for a kind is built on the first lookup of that kind.
     */
    public int find(String name, BtfKind kind) {
        Integer id = indexFor(kind).get(name);
        return id == null ? 0 : id;
    }

    private synchronized Map<String, Integer> indexFor(BtfKind kind) {
        Map<String, Integer> idx = nameIndex.get(kind);
        if (idx != null) {
            return idx;
        }
        idx = new HashMap<>();
        byte code = (byte) kind.code();
        for (int id = 1; id <= count; id++) {
            if (kinds[id] != code) {
                continue;
            }
            int nameOff = u32i(typeOff[id]);
            if (nameOff == 0) {
                continue;
            }
            String n = string(nameOff);
            Integer prev = idx.get(n);
            if (prev == null || (isEmptyShape(prev) && !isEmptyShape(id))) {
                idx.put(n, id);
            }
        }
        nameIndex.put(kind, idx);
        return idx;
    }

    private boolean isEmptyShape(int id) {
        BtfKind k = kind(id);
        if (k.isComposite() || k == BtfKind.ENUM || k == BtfKind.ENUM64) {
            return vlen(id) == 0;
        }
        return false;
    }

    // ---- low level ----

    private int rec(int id) {
        checkId(id);
        return typeOff[id];
    }

    private void checkId(int id) {
        if (id < 1 || id > count) {
            throw new BtfFormatException("BTF type id " + id + " out of range (types are 1.." + count + ")");
        }
    }

    private void expect(int id, BtfKind k) {
        BtfKind actual = kind(id);
        if (actual != k) {
            throw new BtfFormatException("BTF type id " + id + " is " + actual + ", not " + k);
        }
    }

    private int checkIndex(int id, int i) {
        if (i < 0 || i >= vlen(id)) {
            throw new BtfFormatException("index " + i + " out of range for BTF type id " + id + " with vlen " + vlen(id));
        }
        return i;
    }

    private String string(int nameOff) {
        if (nameOff == 0) {
            return "";
        }
        if (nameOff < 0 || nameOff >= strLen) {
            throw new BtfFormatException("name offset " + Integer.toUnsignedString(nameOff) + " beyond the string section");
        }
        int start = strStart + nameOff;
        int end = start;
        int limit = strStart + strLen;
        while (end < limit && blob[end] != 0) {
            end++;
        }
        return new String(blob, start, end - start, StandardCharsets.ISO_8859_1);
    }

    private int u32i(int off) {
        return LittleEndian.u32(blob, off);
    }

    private static long u32(byte[] b, int off) {
        return LittleEndian.u32(b, off) & 0xffffffffL;
    }

    private static int u16(byte[] b, int off) {
        return LittleEndian.u16(b, off);
    }
}
