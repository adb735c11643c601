package org.otherworld.agent.symbols;

/**
 * One kernel symbol: its name, address and nm-style type character ('T' global text, 't' local
 * text, 'D'/'d' data, 'B'/'b' bss, 'R'/'r' read-only data, 'A' absolute, 'V'/'W' weak ...).
 */
public record Symbol(String name, long address, char type) {
    /** Whether the type character is upper case (a global symbol). */
    public boolean isGlobal() {
        return Character.isUpperCase(type);
    }

    @Override
    public String toString() {
        return String.format("%016x %c %s", address, type, name);
    }
}
