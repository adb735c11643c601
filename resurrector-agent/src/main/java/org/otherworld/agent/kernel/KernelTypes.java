package org.otherworld.agent.kernel;

import java.util.concurrent.ConcurrentHashMap;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfKind;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * The dead kernel's types, from its BTF: the entry point of the typed reader layer (in the spirit of
 * drgn or the JDK Serviceability Agent). Struct layouts are never hard-coded elsewhere in the agent;
 * they are looked up here by name and member path.
 *
 * <p>Lookups by name are resolved once and cached; instances are thread-safe.
 */
public final class KernelTypes {
    private final Btf btf;
    private final ConcurrentHashMap<Integer, StructType> byId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, StructType> byName = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, java.util.OptionalLong> enumerators = new ConcurrentHashMap<>();

    public KernelTypes(Btf btf) {
        this.btf = btf;
    }

    /** The underlying BTF. */
    public Btf btf() {
        return btf;
    }

    /**
     * The struct (or union) named {@code name}; a typedef name resolving to a struct/union is accepted.
     *
     * @throws UnknownTypeException naming the type if the BTF has no such struct or union
     */
    public StructType struct(String name) {
        StructType t = byName.get(name);
        if (t != null) {
            return t;
        }
        int id = btf.find(name, BtfKind.STRUCT);
        if (id == 0) {
            id = btf.find(name, BtfKind.UNION);
        }
        if (id == 0) {
            int td = btf.find(name, BtfKind.TYPEDEF);
            if (td != 0 && btf.kind(btf.resolve(td)).isComposite()) {
                id = btf.resolve(td);
            }
        }
        if (id == 0) {
            throw new UnknownTypeException("unknown kernel type: struct " + name + " is not in the BTF");
        }
        t = structById(id);
        byName.putIfAbsent(name, t);
        return t;
    }

    /** Whether the BTF has a struct/union (or typedef of one) named {@code name}. */
    public boolean hasStruct(String name) {
        try {
            struct(name);
            return true;
        } catch (UnknownTypeException e) {
            return false;
        }
    }

    /** The struct/union with BTF type id {@code id} (anonymous ones included). */
    public StructType structById(int id) {
        StructType t = byId.get(id);
        if (t != null) {
            return t;
        }
        int resolved = btf.resolve(id);
        if (!btf.kind(resolved).isComposite()) {
            throw new KernelTypeException("BTF type id " + id + " (" + btf.describe(id) + ") is not a struct or union");
        }
        t = byId.computeIfAbsent(resolved, r -> new StructType(this, r));
        byId.putIfAbsent(id, t);
        return t;
    }

    /**
     * Size in bytes of the named type: a struct, union, typedef, enum, or base type such as
     * {@code long} or {@code unsigned int}, searched in that order.
     *
     * @throws UnknownTypeException naming the type if there is none
     */
    public long sizeOf(String name) {
        for (BtfKind k : new BtfKind[] {BtfKind.STRUCT, BtfKind.UNION, BtfKind.TYPEDEF, BtfKind.ENUM,
                BtfKind.ENUM64, BtfKind.INT, BtfKind.FLOAT}) {
            int id = btf.find(name, k);
            if (id != 0) {
                return btf.sizeOf(id);
            }
        }
        throw new UnknownTypeException("unknown kernel type: " + name + " is not in the BTF");
    }

    /**
     * The value of enum constant {@code constName}. With {@code enumName} non-null only that enum (ENUM
     * or ENUM64) is searched; with {@code null}, all enums including anonymous ones are.
     *
     * @throws UnknownTypeException naming the enum and/or constant if not found
     */
    public long enumValue(String enumName, String constName) {
        if (enumName == null) {
            return enumerator(constName).orElseThrow(
                    () -> new UnknownTypeException("unknown enum constant " + constName + " (searched all enums)"));
        }
        int id = btf.find(enumName, BtfKind.ENUM);
        if (id == 0) {
            id = btf.find(enumName, BtfKind.ENUM64);
        }
        if (id == 0) {
            throw new UnknownTypeException("unknown kernel type: enum " + enumName + " is not in the BTF");
        }
        int n = btf.vlen(id);
        for (int i = 0; i < n; i++) {
            if (btf.enumName(id, i).equals(constName)) {
                return btf.enumValue(id, i);
            }
        }
        throw new UnknownTypeException("enum " + enumName + " has no constant " + constName);
    }

    /** Whether some enum defines {@code constName}. */
    public boolean hasEnumValue(String constName) {
        return enumerator(constName).isPresent();
    }

    /** The first enumerator named {@code constName} of all enums, looked up once per name. */
    private java.util.OptionalLong enumerator(String constName) {
        return enumerators.computeIfAbsent(constName, btf::enumeratorValue);
    }

    /**
     * Whether struct {@code structName} exists and has member {@code path}; false for unknown structs,
     * so kernels lacking either can be told apart without exceptions.
     */
    public boolean hasMember(String structName, String path) {
        return hasStruct(structName) && struct(structName).hasMember(path);
    }

    /** A typed view of the {@code struct structName} at {@code address}. */
    public KObject object(VirtualMemory mem, String structName, long address) {
        return new KObject(mem, address, struct(structName));
    }

    /**
     * The kernel's {@code container_of}: the {@code struct structName} whose member {@code memberPath}
     * lies at {@code memberAddress}.
     */
    public KObject containerOf(VirtualMemory mem, long memberAddress, String structName, String memberPath) {
        StructType t = struct(structName);
        Member m = t.member(memberPath);
        if (m.isBitfield()) {
            throw new KernelTypeException("container_of through bitfield " + m.describe());
        }
        return new KObject(mem, memberAddress - m.offset(), t);
    }
}
