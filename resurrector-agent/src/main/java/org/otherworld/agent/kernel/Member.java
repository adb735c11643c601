package org.otherworld.agent.kernel;

import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfKind;

/**
 * A resolved member path of a {@link StructType}: where the member lies relative to the start of the
 * containing struct and what type it has. Created once per (struct, path) by
 * {@link StructType#member(String)} and cached, so reads through it do no string work.
 */
public final class Member {
    private final StructType owner;
    private final String path;
    private final long bitOffset;
    private final int bitSize;
    private final int typeId;
    private final int resolvedId;
    private final BtfKind kind;
    private final long size;
    private final boolean signed;

    Member(StructType owner, String path, long bitOffset, int bitSize, int typeId) {
        Btf btf = owner.types().btf();
        this.owner = owner;
        this.path = path;
        this.bitOffset = bitOffset;
        this.bitSize = bitSize;
        this.typeId = typeId;
        this.resolvedId = btf.resolve(typeId);
        this.kind = btf.kind(resolvedId);
        this.size = btf.sizeOf(typeId);
        this.signed = isSignedType(btf, resolvedId, kind);
    }

    private static boolean isSignedType(Btf btf, int id, BtfKind kind) {
        switch (kind) {
            case INT: return (btf.intEncoding(id) & Btf.INT_SIGNED) != 0;
            case ENUM: case ENUM64: return btf.kindFlag(id);
            default: return false;
        }
    }

    /** The struct this member path was resolved against. */
    public StructType owner() {
        return owner;
    }

    /** The path as given, e.g. {@code thread.fsbase} or {@code slots[3]}. */
    public String path() {
        return path;
    }

    /** Byte offset from the start of the containing struct (for bitfields: of the byte holding bit 0). */
    public long offset() {
        return bitOffset >>> 3;
    }

    /** Bit offset from the start of the containing struct. */
    public long bitOffset() {
        return bitOffset;
    }

    /** Width in bits for a bitfield; 0 for an ordinary member. */
    public int bitSize() {
        return bitSize;
    }

    /** Whether the member is a bitfield. */
    public boolean isBitfield() {
        return bitSize != 0;
    }

    /** The member's declared BTF type id (may be a typedef or qualified type). */
    public int typeId() {
        return typeId;
    }

    /** The member's type id with typedefs, qualifiers and type tags stripped. */
    public int resolvedTypeId() {
        return resolvedId;
    }

    /** The kind of the resolved type. */
    public BtfKind kind() {
        return kind;
    }

    /** Size in bytes of the member's type (for a bitfield: of its storage type). */
    public long size() {
        return size;
    }

    /** Whether integer reads of this member sign-extend (signed INT, signed ENUM). */
    public boolean isSigned() {
        return signed;
    }

    /** Whether the resolved type is a pointer. */
    public boolean isPointer() {
        return kind == BtfKind.PTR;
    }

    /** Whether the resolved type is an array. */
    public boolean isArray() {
        return kind == BtfKind.ARRAY;
    }

    /** Whether this member can be read as a plain integer (INT, ENUM, ENUM64, PTR, bitfields). */
    public boolean isScalar() {
        return kind == BtfKind.INT || kind == BtfKind.ENUM || kind == BtfKind.ENUM64 || kind == BtfKind.PTR;
    }

    /** Element count of an array member (0 for a flexible array). */
    public long arrayLength() {
        requireArray();
        return owner.types().btf().arrayLength(resolvedId);
    }

    /** Declared element type id of an array member. */
    public int elementTypeId() {
        requireArray();
        return owner.types().btf().arrayElementType(resolvedId);
    }

    /** Element size in bytes of an array member. */
    public long elementSize() {
        return owner.types().btf().sizeOf(elementTypeId());
    }

    /** For a struct/union member, its {@link StructType}. */
    public StructType structType() {
        if (!kind.isComposite()) {
            throw new KernelTypeException(describe() + " is " + typeName() + ", not a struct or union");
        }
        return owner.types().structById(resolvedId);
    }

    /**
     * For a pointer member, the struct/union it points to, or {@code null} if it points to anything
     * else (void, an integer, a function...).
     */
    public StructType pointeeStruct() {
        if (kind != BtfKind.PTR) {
            throw new KernelTypeException(describe() + " is " + typeName() + ", not a pointer");
        }
        Btf btf = owner.types().btf();
        int target = btf.resolve(btf.refType(resolvedId));
        return btf.kind(target).isComposite() ? owner.types().structById(target) : null;
    }

    /** The member's type as C-like text, e.g. {@code struct mm_struct *}. */
    public String typeName() {
        return owner.types().btf().describe(typeId);
    }

    private void requireArray() {
        if (kind != BtfKind.ARRAY) {
            throw new KernelTypeException(describe() + " is " + typeName() + ", not an array");
        }
    }

    /** {@code struct task_struct.thread.fsbase}, for messages. */
    public String describe() {
        return owner.displayName() + "." + path;
    }

    @Override
    public String toString() {
        return describe() + " (" + typeName() + " at +" + offset()
                + (isBitfield() ? ", bits " + (bitOffset & 7) + ".." + ((bitOffset & 7) + bitSize - 1) : "") + ")";
    }
}
