package org.otherworld.agent.vmcore;

import java.util.Arrays;

/**
 * One ELF note from a PT_NOTE segment: the name without its terminating NUL, the type and the
 * descriptor bytes (a private copy).
 */
public record ElfNote(String name, int type, byte[] desc) {
    public ElfNote {
        desc = desc.clone();
    }

    @Override
    public byte[] desc() {
        return desc.clone();
    }

    /** Descriptor length in bytes. */
    public int descSize() {
        return desc.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ElfNote n && n.name.equals(name) && n.type == type && Arrays.equals(n.desc, desc);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + type * 17 + Arrays.hashCode(desc);
    }

    @Override
    public String toString() {
        return "ElfNote[" + name + ", type " + type + ", " + desc.length + " bytes]";
    }
}
