package org.otherworld.agent.btf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test helper that writes a valid little-endian BTF blob in code (layout per include/uapi/linux/btf.h).
 * Type ids are handed out in creation order starting at 1; struct/enum builders stay open so members
 * may refer to types created later (e.g. self-referential list_head).
 */
public final class BtfBuilder {
    public static final int SIGNED = 1, CHAR = 2, BOOL = 4;

    private static final class Rec {
        final int kind;
        final int nameOff;
        int vlen;
        boolean kflag;
        int sizeOrType;
        final List<Integer> data = new ArrayList<>();

        Rec(int kind, int nameOff, int vlen, boolean kflag, int sizeOrType) {
            this.kind = kind;
            this.nameOff = nameOff;
            this.vlen = vlen;
            this.kflag = kflag;
            this.sizeOrType = sizeOrType;
        }
    }

    private final List<Rec> recs = new ArrayList<>();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final Map<String, Integer> strOffsets = new HashMap<>();

    public BtfBuilder() {
        strings.write(0);
        strOffsets.put("", 0);
    }

    /** Offset of {@code s} in the string section (added if new). */
    public int str(String s) {
        if (s == null) {
            return 0;
        }
        return strOffsets.computeIfAbsent(s, k -> {
            int off = strings.size();
            byte[] b = k.getBytes(StandardCharsets.ISO_8859_1);
            strings.write(b, 0, b.length);
            strings.write(0);
            return off;
        });
    }

    public int nextId() {
        return recs.size() + 1;
    }

    private Rec add(int kind, String name, int vlen, boolean kflag, int sizeOrType, int... data) {
        Rec r = new Rec(kind, str(name), vlen, kflag, sizeOrType);
        for (int d : data) {
            r.data.add(d);
        }
        recs.add(r);
        return r;
    }

    /** Any record, for negative tests (unknown kinds, dangling references). */
    public int raw(int kind, String name, int vlen, boolean kflag, int sizeOrType, int... data) {
        add(kind, name, vlen, kflag, sizeOrType, data);
        return recs.size();
    }

    public int intType(String name, int size, int encoding) {
        return intType(name, size, encoding, 0, size * 8);
    }

    public int intType(String name, int size, int encoding, int offset, int bits) {
        return raw(1, name, 0, false, size, encoding << 24 | offset << 16 | bits);
    }

    public int ptr(int target) {
        return raw(2, null, 0, false, target);
    }

    public int array(int elem, int index, int n) {
        return raw(3, null, 0, false, 0, elem, index, n);
    }

    public Composite struct(String name, int size) {
        Rec r = add(4, name, 0, false, size);
        return new Composite(r, recs.size());
    }

    public Composite union(String name, int size) {
        Rec r = add(5, name, 0, false, size);
        return new Composite(r, recs.size());
    }

    /** A struct or union under construction. */
    public final class Composite {
        private final Rec rec;
        private final int id;

        Composite(Rec rec, int id) {
            this.rec = rec;
            this.id = id;
        }

        public int id() {
            return id;
        }

        /** A member at a bit offset. */
        public Composite member(String name, int type, int bitOffset) {
            rec.data.add(str(name));
            rec.data.add(type);
            rec.data.add(bitOffset);
            rec.vlen++;
            return this;
        }

        /** A kind_flag bitfield member (sets the struct's kind_flag; must be used before plain members' bit offsets exceed 24 bits). */
        public Composite bitfield(String name, int type, int bitOffset, int bits) {
            rec.kflag = true;
            return member(name, type, bits << 24 | bitOffset);
        }
    }

    public EnumB enumType(String name, int size, boolean signed) {
        Rec r = add(6, name, 0, signed, size);
        return new EnumB(r, recs.size(), false);
    }

    public EnumB enum64(String name, int size, boolean signed) {
        Rec r = add(19, name, 0, signed, size);
        return new EnumB(r, recs.size(), true);
    }

    /** An enum under construction. */
    public final class EnumB {
        private final Rec rec;
        private final int id;
        private final boolean wide;

        EnumB(Rec rec, int id, boolean wide) {
            this.rec = rec;
            this.id = id;
            this.wide = wide;
        }

        public int id() {
            return id;
        }

        public EnumB value(String name, long v) {
            rec.data.add(str(name));
            rec.data.add((int) v);
            if (wide) {
                rec.data.add((int) (v >>> 32));
            }
            rec.vlen++;
            return this;
        }
    }

    public int fwd(String name, boolean isUnion) {
        return raw(7, name, 0, isUnion, 0);
    }

    public int typedef(String name, int type) {
        return raw(8, name, 0, false, type);
    }

    public int volatileOf(int type) {
        return raw(9, null, 0, false, type);
    }

    public int constOf(int type) {
        return raw(10, null, 0, false, type);
    }

    public int restrictOf(int type) {
        return raw(11, null, 0, false, type);
    }

    public int func(String name, int proto, int linkage) {
        return raw(12, name, linkage, false, proto);
    }

    /** A FUNC_PROTO; params alternate name, type: {@code "a", t1, "b", t2}. */
    public int funcProto(int ret, Object... namesAndTypes) {
        Rec r = add(13, null, namesAndTypes.length / 2, false, ret);
        for (int i = 0; i < namesAndTypes.length; i += 2) {
            r.data.add(str((String) namesAndTypes[i]));
            r.data.add((Integer) namesAndTypes[i + 1]);
        }
        return recs.size();
    }

    public int var(String name, int type, int linkage) {
        return raw(14, name, 0, false, type, linkage);
    }

    /** A DATASEC; entries are {type, offset, size} triples. */
    public int datasec(String name, int size, int... triples) {
        return raw(15, name, triples.length / 3, false, size, triples);
    }

    public int floatType(String name, int size) {
        return raw(16, name, 0, false, size);
    }

    public int declTag(String name, int type, int componentIdx) {
        return raw(17, name, 0, false, type, componentIdx);
    }

    public int typeTag(String name, int type) {
        return raw(18, name, 0, false, type);
    }

    /** The complete blob: header, type section, string section. */
    public byte[] build() {
        ByteArrayOutputStream types = new ByteArrayOutputStream();
        for (Rec r : recs) {
            putU32(types, r.nameOff);
            putU32(types, (r.kflag ? 1 << 31 : 0) | (r.kind & 0x1f) << 24 | (r.vlen & 0xffff));
            putU32(types, r.sizeOrType);
            for (int d : r.data) {
                putU32(types, d);
            }
        }
        byte[] t = types.toByteArray();
        byte[] s = strings.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x9f);
        out.write(0xeb);
        out.write(1);
        out.write(0);
        putU32(out, 24);
        putU32(out, 0);
        putU32(out, t.length);
        putU32(out, t.length);
        putU32(out, s.length);
        out.write(t, 0, t.length);
        out.write(s, 0, s.length);
        return out.toByteArray();
    }

    private static void putU32(ByteArrayOutputStream o, int v) {
        o.write(v);
        o.write(v >>> 8);
        o.write(v >>> 16);
        o.write(v >>> 24);
    }
}
