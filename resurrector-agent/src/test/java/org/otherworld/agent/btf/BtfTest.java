package org.otherworld.agent.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BtfTest {
    /** Ids of the types built by {@link #buildAllKinds}. */
    int tInt, tUint, tChar, tLong, tPtr, tArr, tArr2, tUnion, tStruct, tEnum, tFwd, tTypedef, tVol, tConst,
            tRestrict, tFunc, tProto, tVar, tSec, tFloat, tDecl, tTag, tEnum64, tU64;

    byte[] buildAllKinds() {
        BtfBuilder b = new BtfBuilder();
        tInt = b.intType("int", 4, BtfBuilder.SIGNED);
        tUint = b.intType("unsigned int", 4, 0);
        tChar = b.intType("char", 1, BtfBuilder.SIGNED | BtfBuilder.CHAR);
        tLong = b.intType("long", 8, BtfBuilder.SIGNED);
        tU64 = b.intType("long long unsigned int", 8, 0);
        BtfBuilder.Composite s = b.struct("sample", 40);
        tStruct = s.id();
        tPtr = b.ptr(tStruct);
        tArr = b.array(tChar, tInt, 16);
        tArr2 = b.array(tArr, tInt, 3); // char[3][16]
        BtfBuilder.Composite u = b.union(null, 8);
        tUnion = u.id();
        u.member("l", tLong, 0).member("i", tInt, 0);
        s.member("next", tPtr, 0).member("", tUnion, 64).bitfield("flag", tUint, 128, 1)
                .bitfield("mode", tUint, 129, 3).member("name", tArr, 136);
        tEnum = b.enumType("color", 4, true).value("RED", 0).value("NEG", -2).id();
        tFwd = b.fwd("opaque", false);
        tTypedef = b.typedef("sample_t", tStruct);
        tVol = b.volatileOf(tTypedef);
        tConst = b.constOf(tVol);
        tRestrict = b.restrictOf(tPtr);
        tProto = b.funcProto(tInt, "a", tInt, "p", tPtr);
        tFunc = b.func("do_it", tProto, 1);
        tVar = b.var("counter", tLong, 1);
        tSec = b.datasec(".data", 64, tVar, 8, 8);
        tFloat = b.floatType("double", 8);
        tDecl = b.declTag("user", tStruct, 2);
        tTag = b.typeTag("rcu", tInt);
        tEnum64 = b.enum64("big", 8, false).value("HUGE", 0xfedcba9876543210L).value("ONE", 1).id();
        return b.build();
    }

    @Test
    void parsesEveryKind() {
        Btf btf = Btf.parse(buildAllKinds());
        assertEquals(tEnum64, btf.typeCount());
        assertEquals(BtfKind.INT, btf.kind(tInt));
        assertEquals("unsigned int", btf.name(tUint));
        assertEquals(Btf.INT_SIGNED | Btf.INT_CHAR, btf.intEncoding(tChar));
        assertEquals(8, btf.intBits(tChar));
        assertEquals(BtfKind.PTR, btf.kind(tPtr));
        assertEquals(tStruct, btf.refType(tPtr));
        assertEquals(tChar, btf.arrayElementType(tArr));
        assertEquals(tInt, btf.arrayIndexType(tArr));
        assertEquals(16, btf.arrayLength(tArr));
        assertEquals(BtfKind.UNION, btf.kind(tUnion));
        assertEquals("", btf.name(tUnion));

        assertEquals(BtfKind.STRUCT, btf.kind(tStruct));
        assertTrue(btf.kindFlag(tStruct));
        assertEquals(5, btf.vlen(tStruct));
        assertEquals("next", btf.memberName(tStruct, 0));
        assertEquals(tUnion, btf.memberType(tStruct, 1));
        assertEquals(64, btf.memberBitOffset(tStruct, 1));
        assertEquals(0, btf.memberBitfieldSize(tStruct, 1));
        assertEquals(129, btf.memberBitOffset(tStruct, 3));
        assertEquals(3, btf.memberBitfieldSize(tStruct, 3));
        assertEquals(136, btf.memberBitOffset(tStruct, 4));

        assertEquals("NEG", btf.enumName(tEnum, 1));
        assertEquals(-2, btf.enumValue(tEnum, 1));
        assertEquals(BtfKind.FWD, btf.kind(tFwd));
        assertEquals(tStruct, btf.resolve(tConst));
        assertEquals(tPtr, btf.resolve(tRestrict));
        assertEquals(2, btf.vlen(tProto));
        assertEquals("p", btf.paramName(tProto, 1));
        assertEquals(tPtr, btf.paramType(tProto, 1));
        assertEquals(tInt, btf.refType(tProto));
        assertEquals(1, btf.funcLinkage(tFunc));
        assertEquals(tProto, btf.refType(tFunc));
        assertEquals(1, btf.varLinkage(tVar));
        assertEquals(tVar, btf.secinfoType(tSec, 0));
        assertEquals(8, btf.secinfoOffset(tSec, 0));
        assertEquals(8, btf.secinfoSize(tSec, 0));
        assertEquals(8, btf.rawSize(tFloat));
        assertEquals(BtfKind.FLOAT, btf.kind(tFloat));
        assertEquals(2, btf.declTagComponentIndex(tDecl));
        assertEquals("user", btf.name(tDecl));
        assertEquals(BtfKind.TYPE_TAG, btf.kind(tTag));
        assertEquals(tInt, btf.resolve(tTag));
        assertEquals(0xfedcba9876543210L, btf.enumValue(tEnum64, 0));
        assertEquals(1, btf.enumValue(tEnum64, 1));
    }

    @Test
    void sizesFollowChains() {
        Btf btf = Btf.parse(buildAllKinds());
        assertEquals(40, btf.sizeOf(tConst));
        assertEquals(8, btf.sizeOf(tRestrict));
        assertEquals(16, btf.sizeOf(tArr));
        assertEquals(48, btf.sizeOf(tArr2));
        assertEquals(8, btf.sizeOf(tVar));
        assertEquals(4, btf.sizeOf(tTag));
        assertEquals(0, btf.sizeOf(0));
        assertEquals(0, btf.sizeOf(tFwd));
        assertEquals(0, btf.sizeOf(tFunc));
        assertEquals("char[3][16]", btf.describe(tArr2));
        assertEquals("struct sample *", btf.describe(tPtr));
    }

    @Test
    void findsByNameAndKind() {
        Btf btf = Btf.parse(buildAllKinds());
        assertEquals(tStruct, btf.find("sample", BtfKind.STRUCT));
        assertEquals(0, btf.find("sample", BtfKind.UNION));
        assertEquals(tTypedef, btf.find("sample_t", BtfKind.TYPEDEF));
        assertEquals(tEnum, btf.find("color", BtfKind.ENUM));
        assertEquals(tEnum64, btf.find("big", BtfKind.ENUM64));
        assertEquals(tFunc, btf.find("do_it", BtfKind.FUNC));
        assertEquals(0, btf.find("nope", BtfKind.STRUCT));
    }

    @Test
    void enumeratorsAndMemberNamesAreComparedInPlace() {
        BtfBuilder b = new BtfBuilder();
        int i = b.intType("int", 4, BtfBuilder.SIGNED);
        b.enumType(null, 4, true).value("FIRST", 7).value("SHARED", 1).id();
        b.enumType("later", 4, false).value("SHARED", 2).value("SHAREDX", 3).id();
        b.enum64(null, 8, false).value("WIDE", 1L << 40).id();
        BtfBuilder.Composite s = b.struct("holder", 8);
        int sid = s.id();
        s.member("", i, 0).member("counter", i, 32);
        Btf btf = Btf.parse(b.build());
        assertEquals(7, btf.enumeratorValue("FIRST").getAsLong());
        assertEquals(1, btf.enumeratorValue("SHARED").getAsLong(), "the first enumerator in type order wins");
        assertEquals(3, btf.enumeratorValue("SHAREDX").getAsLong());
        assertEquals(1L << 40, btf.enumeratorValue("WIDE").getAsLong());
        assertTrue(btf.enumeratorValue("SHARE").isEmpty(), "a prefix is not a match");
        assertTrue(btf.enumeratorValue("SHAREDXY").isEmpty());
        assertTrue(btf.enumeratorValue("holder").isEmpty(), "type names are not enumerators");
        byte[] counter = "counter".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(btf.memberNameIs(sid, 1, counter));
        assertFalse(btf.memberNameIs(sid, 0, counter));
        assertTrue(btf.memberNameIs(sid, 0, new byte[0]), "an empty name matches the anonymous member");
        assertFalse(btf.memberNameIs(sid, 1, new byte[0]));
        assertFalse(btf.memberNameIs(sid, 1, "count".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
    }

    @Test
    void fullStructPreferredOverEmptyDuplicate() {
        BtfBuilder b = new BtfBuilder();
        int i = b.intType("int", 4, 1);
        b.struct("dup", 0);
        int full = b.struct("dup", 4).member("x", i, 0).id();
        assertEquals(full, Btf.parse(b.build()).find("dup", BtfKind.STRUCT));
    }

    @Test
    void oldStyleBitfieldIntEncoding() {
        BtfBuilder b = new BtfBuilder();
        int bf = b.intType("unsigned int", 4, 0, 3, 5);
        Btf btf = Btf.parse(b.build());
        assertEquals(3, btf.intOffset(bf));
        assertEquals(5, btf.intBits(bf));
    }

    @Test
    void rejectsBadMagic() {
        byte[] blob = buildAllKinds();
        blob[0] = 0x12;
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> Btf.parse(blob));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void rejectsBadVersion() {
        byte[] blob = buildAllKinds();
        blob[2] = 2;
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> Btf.parse(blob));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }

    @Test
    void rejectsTruncatedBlob() {
        byte[] blob = buildAllKinds();
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> Btf.parse(Arrays.copyOf(blob, blob.length - 5)));
        assertTrue(e.getMessage().contains("string section"), e.getMessage());
        assertThrows(BtfFormatException.class, () -> Btf.parse(Arrays.copyOf(blob, 10)));
    }

    @Test
    void rejectsTruncatedRecord() {
        BtfBuilder b = new BtfBuilder();
        b.intType("int", 4, 1);
        byte[] blob = b.build();
        // Claim a type section 2 bytes shorter: the INT's 4-byte data no longer fits.
        blob[12] = (byte) (blob[12] - 2);
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> Btf.parse(blob));
        assertTrue(e.getMessage().contains("type id 1"), e.getMessage());
    }

    @Test
    void rejectsUnknownKind() {
        BtfBuilder b = new BtfBuilder();
        b.intType("int", 4, 1);
        b.raw(25, "weird", 0, false, 0);
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> Btf.parse(b.build()));
        assertTrue(e.getMessage().contains("unknown BTF kind 25") && e.getMessage().contains("type id 2"), e.getMessage());
    }

    @Test
    void rejectsReferenceToMissingType() {
        BtfBuilder b = new BtfBuilder();
        int i = b.intType("int", 4, 1);
        b.struct("s", 8).member("a", i, 0).member("b", 999, 32);
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> Btf.parse(b.build()));
        assertTrue(e.getMessage().contains("type id 2") && e.getMessage().contains("missing type id 999"), e.getMessage());
    }

    @Test
    void rejectsNameOffsetOutOfRange() {
        BtfBuilder b = new BtfBuilder();
        b.raw(1, null, 0, false, 4, 32);
        byte[] blob = b.build();
        blob[24] = (byte) 0xf0; // name_off of type 1
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> Btf.parse(blob));
        assertTrue(e.getMessage().contains("name offset") && e.getMessage().contains("type id 1"), e.getMessage());
    }

    @Test
    void rejectsIdOutOfRange() {
        Btf btf = Btf.parse(buildAllKinds());
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> btf.kind(btf.typeCount() + 1));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
        assertThrows(BtfFormatException.class, () -> btf.arrayLength(tInt));
    }

    @Test
    void detectsCyclicTypedefs() {
        BtfBuilder b = new BtfBuilder();
        b.typedef("a", 2);
        b.typedef("b", 1);
        Btf btf = Btf.parse(b.build());
        assertThrows(BtfFormatException.class, () -> btf.sizeOf(1));
        assertThrows(BtfFormatException.class, () -> btf.resolve(1));
    }

    @Test
    void loadsFromVirtualMemoryRange() {
        byte[] blob = buildAllKinds();
        long base = 0xffffffff82000000L;
        org.otherworld.agent.vmcore.VirtualMemory mem = (vaddr, dst, off, len) -> {
            long rel = vaddr - base;
            if (rel < 0 || rel + len > blob.length) {
                throw new org.otherworld.agent.vmcore.MemoryAccessException(vaddr, "unmapped");
            }
            System.arraycopy(blob, (int) rel, dst, off, len);
        };
        Btf btf = Btf.load(mem, base, base + blob.length);
        assertEquals(tStruct, btf.find("sample", BtfKind.STRUCT));
        assertThrows(BtfFormatException.class, () -> Btf.load(mem, base + 8, base));
        assertThrows(org.otherworld.agent.vmcore.MemoryAccessException.class, () -> Btf.load(mem, base, base + blob.length + 1));
    }

    @Test
    void parsesKernelSizedBlobQuickly() {
        BtfBuilder b = new BtfBuilder();
        int i = b.intType("int", 4, 1);
        int p = b.ptr(i);
        for (int n = 0; n < 40_000; n++) {
            b.struct("s" + n, 16).member("a", i, 0).member("b", p, 64).member("c", i, 32);
            b.typedef("t" + n, p);
            b.enumType(null, 4, false).value("E" + n, n);
        }
        byte[] blob = b.build();
        long t0 = System.nanoTime();
        Btf btf = Btf.parse(blob);
        int found = btf.find("s39999", BtfKind.STRUCT);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(120_002, btf.typeCount());
        assertFalse(found == 0);
        assertEquals(16, btf.sizeOf(found));
        assertTrue(ms < 1000, "parse + index took " + ms + " ms");
    }
}
