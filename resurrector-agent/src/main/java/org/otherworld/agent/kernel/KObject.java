package org.otherworld.agent.kernel;

import java.nio.charset.StandardCharsets;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfKind;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * A typed view of one kernel struct in a dead kernel's memory: an address, its {@link StructType},
 * and the {@link VirtualMemory} to read it from. Nothing is read until a member is asked for, and every
 * read goes to memory (no caching of values), so a view is cheap to create.
 *
 * <p>Integer accessors return {@code long}: {@code u64/u32/u16/u8} zero-extend and require the member
 * to have exactly that size; {@code s64/s32} sign-extend; {@link #read} picks size and signedness from
 * the member's type and extracts bitfields. Each accessor has an overload taking a pre-resolved
 * {@link Member} for hot loops. Unreadable memory throws
 * {@link org.otherworld.agent.vmcore.MemoryAccessException}; misuse of a type (wrong width, not a
 * pointer, index out of bounds) throws {@link KernelTypeException}.
 *
 * <p><b>Null pointers:</b> {@link #deref} returns {@code null} for a NULL pointer; callers test for it.
 */
public final class KObject {
    private final VirtualMemory mem;
    private final long address;
    private final StructType type;

    public KObject(VirtualMemory mem, long address, StructType type) {
        this.mem = mem;
        this.address = address;
        this.type = type;
    }

    public VirtualMemory memory() {
        return mem;
    }

    public long address() {
        return address;
    }

    public StructType type() {
        return type;
    }

    /** The member {@code path} of this object's type (cached). */
    public Member m(String path) {
        return type.member(path);
    }

    // ---- integers ----

    public long u64(String path) {
        return u64(m(path));
    }

    public long u64(Member m) {
        return fixed(m, 8);
    }

    public long u32(String path) {
        return u32(m(path));
    }

    public long u32(Member m) {
        return fixed(m, 4) & 0xffffffffL;
    }

    public long u16(String path) {
        return u16(m(path));
    }

    public long u16(Member m) {
        return fixed(m, 2) & 0xffffL;
    }

    public long u8(String path) {
        return u8(m(path));
    }

    public long u8(Member m) {
        return fixed(m, 1) & 0xffL;
    }

    /** A 64-bit member as a signed value. */
    public long s64(String path) {
        return s64(m(path));
    }

    public long s64(Member m) {
        return fixed(m, 8);
    }

    /** A 32-bit member, sign-extended. */
    public long s32(String path) {
        return s32(m(path));
    }

    public long s32(Member m) {
        return (int) fixed(m, 4);
    }

    /**
     * An integer, enum, pointer or bitfield member, by its own size and signedness (signed members are
     * sign-extended, others zero-extended).
     */
    public long read(String path) {
        return read(m(path));
    }

    public long read(Member m) {
        checkOwner(m);
        if (!m.isScalar()) {
            throw new KernelTypeException(m.describe() + " is " + m.typeName() + ", not an integer or pointer");
        }
        if (m.isBitfield()) {
            return readBits(address, m.bitOffset(), m.bitSize(), m.isSigned());
        }
        return readScalar(address + m.offset(), (int) m.size(), m.isSigned(), m);
    }

    /** The raw address stored in pointer member {@code path}. */
    public long pointer(String path) {
        return pointer(m(path));
    }

    public long pointer(Member m) {
        if (!m.isPointer()) {
            throw new KernelTypeException(m.describe() + " is " + m.typeName() + ", not a pointer");
        }
        return fixed(m, Btf.POINTER_SIZE);
    }

    // ---- structure navigation ----

    /**
     * The struct that pointer member {@code path} points to, or {@code null} if the pointer is NULL.
     *
     * @throws KernelTypeException if the member is not a pointer to a struct/union (use
     *     {@link #deref(String, String)} for {@code void *})
     */
    public KObject deref(String path) {
        return deref(m(path));
    }

    public KObject deref(Member m) {
        long p = pointer(m);
        StructType target = m.pointeeStruct();
        if (target == null) {
            throw new KernelTypeException(m.describe() + " is " + m.typeName()
                    + ", not a pointer to a struct; use deref(path, structName)");
        }
        return p == 0 ? null : new KObject(mem, p, target);
    }

    /** Pointer member {@code path} (e.g. a {@code void *}) viewed as {@code struct structName}; null if NULL. */
    public KObject deref(String path, String structName) {
        long p = pointer(path);
        return p == 0 ? null : new KObject(mem, p, type.types().struct(structName));
    }

    /** The embedded struct/union member {@code path} as an object. */
    public KObject member(String path) {
        Member m = m(path);
        return new KObject(mem, address + m.offset(), m.structType());
    }

    /** The address of member {@code path}. */
    public long addressOf(String path) {
        Member m = m(path);
        if (m.isBitfield()) {
            throw new KernelTypeException("cannot take the address of bitfield " + m.describe());
        }
        return address + m.offset();
    }

    /** This object viewed as another struct type (for casts the kernel does by hand). */
    public KObject as(String structName) {
        return new KObject(mem, address, type.types().struct(structName));
    }

    // ---- arrays and bytes ----

    /** Element {@code index} of an array member whose elements are structs/unions. */
    public KObject element(String path, long index) {
        Member m = m(path);
        int elem = elementAt(m, index);
        Btf btf = type.types().btf();
        if (!btf.kind(btf.resolve(elem)).isComposite()) {
            throw new KernelTypeException(m.describe() + " is " + m.typeName() + "; elements are not structs, use elementValue");
        }
        return new KObject(mem, address + m.offset() + index * m.elementSize(), type.types().structById(elem));
    }

    /** Element {@code index} of an array of integers/enums/pointers, by the element's size and signedness. */
    public long elementValue(String path, long index) {
        Member m = m(path);
        int elem = elementAt(m, index);
        Btf btf = type.types().btf();
        int r = btf.resolve(elem);
        BtfKind k = btf.kind(r);
        boolean signed;
        if (k == BtfKind.INT) {
            signed = (btf.intEncoding(r) & Btf.INT_SIGNED) != 0;
        } else if (k == BtfKind.ENUM || k == BtfKind.ENUM64) {
            signed = btf.kindFlag(r);
        } else if (k == BtfKind.PTR) {
            signed = false;
        } else {
            throw new KernelTypeException(m.describe() + " is " + m.typeName() + "; elements are not scalars");
        }
        return readScalar(address + m.offset() + index * m.elementSize(), (int) m.elementSize(), signed, m);
    }

    private int elementAt(Member m, long index) {
        long n = m.arrayLength();
        if (index < 0 || (n > 0 && index >= n)) {
            throw new KernelTypeException("index " + index + " out of bounds for " + m.describe() + " (" + m.typeName() + ")");
        }
        return m.elementTypeId();
    }

    /** A {@code char[]} member (e.g. {@code comm}) up to its first NUL, bytes kept as ISO-8859-1. */
    public String cString(String path) {
        Member m = m(path);
        if (!m.isArray() || m.elementSize() != 1) {
            throw new KernelTypeException(m.describe() + " is " + m.typeName() + ", not a char array");
        }
        byte[] b = mem.readBytes(address + m.offset(), (int) m.size());
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** The raw bytes of member {@code path}. */
    public byte[] bytes(String path) {
        Member m = m(path);
        if (m.size() > Integer.MAX_VALUE) {
            throw new KernelTypeException(m.describe() + " is too large to copy: " + m.size() + " bytes");
        }
        return mem.readBytes(address + m.offset(), (int) m.size());
    }

    /** The raw bytes of the whole object. */
    public byte[] bytes() {
        return mem.readBytes(address, (int) type.size());
    }

    // ---- internals ----

    private long fixed(Member m, int width) {
        checkOwner(m);
        if (m.isBitfield() || !m.isScalar() || m.size() != width) {
            throw new KernelTypeException(m.describe() + " is " + m.typeName() + " (" + m.size() + " bytes"
                    + (m.isBitfield() ? ", bitfield" : "") + "), not a " + width + "-byte integer; use read()");
        }
        return readScalar(address + m.offset(), width, false, m);
    }

    private void checkOwner(Member m) {
        if (m.owner() != type) {
            throw new KernelTypeException("member " + m.describe() + " used on an object of " + type.displayName());
        }
    }

    private long readScalar(long at, int size, boolean signed, Member m) {
        byte[] b = mem.readBytes(at, size);
        switch (size) {
            case 1: return signed ? b[0] : b[0] & 0xffL;
            case 2: return signed ? (short) LittleEndian.u16(b, 0) : LittleEndian.u16(b, 0);
            case 4: return signed ? LittleEndian.u32(b, 0) : LittleEndian.u32(b, 0) & 0xffffffffL;
            case 8: return LittleEndian.u64(b, 0);
            default:
                throw new KernelTypeException(m.describe() + " has unsupported integer size " + size);
        }
    }

    /** Extracts a bitfield of {@code bits} bits at bit offset {@code bitOff} from {@code base}. */
    private long readBits(long base, long bitOff, int bits, boolean signed) {
        int shift = (int) (bitOff & 7);
        int nbytes = (shift + bits + 7) >>> 3;
        byte[] b = mem.readBytes(base + (bitOff >>> 3), nbytes);
        long lo = 0;
        for (int i = 0; i < Math.min(nbytes, 8); i++) {
            lo |= (b[i] & 0xffL) << (8 * i);
        }
        long v = lo >>> shift;
        if (nbytes > 8) {
            v |= (b[8] & 0xffL) << (64 - shift);
        }
        if (bits < 64) {
            v &= (1L << bits) - 1;
            if (signed && (v & (1L << (bits - 1))) != 0) {
                v |= -1L << bits;
            }
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KObject && ((KObject) o).address == address && ((KObject) o).type == type
                && ((KObject) o).mem == mem;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(address) * 31 + type.typeId();
    }

    @Override
    public String toString() {
        return type.displayName() + " @ 0x" + Long.toHexString(address);
    }
}
