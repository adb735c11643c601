package org.otherworld.agent.btf;

/**
 * The kinds of BTF type records, with their numeric codes from the kernel's
 * {@code include/uapi/linux/btf.h} ({@code BTF_KIND_*}, Linux 6.1: codes 1..19; 0 is "unknown/void").
 */
public enum BtfKind {
    UNKNOWN, INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT,
    FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64;

    private static final BtfKind[] BY_CODE = values();

    /** The numeric {@code BTF_KIND_*} code (equal to the ordinal by construction). */
    public int code() {
        return ordinal();
    }

    /** The kind with numeric code {@code code}, or {@code null} if the code is not a known kind. */
    public static BtfKind ofCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** Whether this kind only renames or qualifies another type (typedef, cv-qualifiers, type tags). */
    public boolean isAlias() {
        return this == TYPEDEF || this == VOLATILE || this == CONST || this == RESTRICT || this == TYPE_TAG;
    }

    /** Whether this kind is a struct or a union (a type with members). */
    public boolean isComposite() {
        return this == STRUCT || this == UNION;
    }
}
