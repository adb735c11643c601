package org.otherworld.agent.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;

class SymbolTableTest {
    static final String MAP = "0000000000000000 A fixed_percpu_data\n"
            + "ffffffff81000000 T _stext\n"
            + "ffffffff81000000 T _text\n"
            + "\n"
            + "ffffffff81001000 t helper\n"
            + "ffffffff82a0c940 D init_task\n"
            + "ffffffffc0000000 t mod_fn\t[somemod]\n";

    @TempDir
    Path dir;

    @Test
    void systemMapLookups() throws IOException {
        SymbolTable t = SymbolTable.fromSystemMap(new StringReader(MAP), "test.map");
        assertEquals(6, t.size());
        assertEquals(0xffffffff82a0c940L, t.address("init_task"));
        assertEquals('D', t.type("init_task"));
        assertEquals(0xffffffffc0000000L, t.find("mod_fn").getAsLong());
        assertFalse(t.find("nope").isPresent());
        UnknownSymbolException u = assertThrows(UnknownSymbolException.class, () -> t.address("nope"));
        assertEquals("nope", u.symbol());
        assertTrue(u.getMessage().contains("'nope'") && u.getMessage().contains("test.map"), u.getMessage());
        assertEquals("helper+0x10", t.nearest(0xffffffff81001010L));
        assertEquals("init_task", t.nearest(0xffffffff82a0c940L));
        assertEquals("0x7fff00001000", t.nearest(0x7fff00001000L), "far from every symbol");
        assertEquals("fixed_percpu_data+0x20", t.nearest(0x20));
        assertEquals("mod_fn+0x8", t.nearest(0xffffffffc0000008L));
        // unsigned order: kernel addresses sort after small per-cpu ones
        assertEquals("fixed_percpu_data", t.symbols().get(0).name());
        assertEquals("mod_fn", t.symbols().get(5).name());
    }

    @Test
    void repeatedNamesPreferTheFirstGlobalAndManyNamesShareHashSlots() {
        List<Symbol> l = new java.util.ArrayList<>();
        l.add(new Symbol("dup", 0xffffffff81000300L, 't'));
        l.add(new Symbol("dup", 0xffffffff81000200L, 'T'));
        l.add(new Symbol("dup", 0xffffffff81000100L, 'T'));
        // "Aa" and "BB" have the same String.hashCode; thousands of names fill the open-addressing table
        l.add(new Symbol("Aa", 0xffffffff81000010L, 't'));
        l.add(new Symbol("BB", 0xffffffff81000020L, 't'));
        for (int i = 0; i < 5000; i++) {
            l.add(new Symbol("sym_" + i, 0xffffffff82000000L + 16L * (5000 - i), 'd'));
        }
        SymbolTable t = new SymbolTable("test", l);
        assertEquals(5005, t.size());
        assertEquals(0xffffffff81000200L, t.address("dup"), "the first global one");
        assertEquals(0xffffffff81000010L, t.address("Aa"));
        assertEquals(0xffffffff81000020L, t.address("BB"));
        assertFalse(t.contains("Ab"));
        assertFalse(t.contains("sym_5000"));
        for (int i = 0; i < 5000; i++) {
            assertEquals(0xffffffff82000000L + 16L * (5000 - i), t.address("sym_" + i));
        }
        // the input was not in address order: lookups by address still see it sorted
        assertEquals("Aa", t.symbols().get(0).name());
        assertEquals("sym_4999+0x4", t.nearest(0xffffffff82000014L));
        assertFalse(t.contains("d\u00fcp"), "a character beyond Latin-1 never matches");
    }

    @Test
    void systemMapErrorsNameTheLine() {
        KallsymsException e = assertThrows(KallsymsException.class,
                () -> SymbolTable.fromSystemMap(new StringReader("ffffffff81000000 T ok\nzzzz T bad\n"), "p.map"));
        assertEquals("p.map line 2: bad address 'zzzz'", e.getMessage());
        e = assertThrows(KallsymsException.class,
                () -> SymbolTable.fromSystemMap(new StringReader("ffffffff81000000 _stext\n"), "p.map"));
        assertTrue(e.getMessage().startsWith("p.map line 1: expected"), e.getMessage());
        assertThrows(KallsymsException.class, () -> SymbolTable.fromSystemMap(new StringReader("\n"), "p.map"));
    }

    @Test
    void profileRoundTrip() throws IOException {
        SymbolTable t = new SymbolTable("test", List.of(new Symbol("b", 0xffffffff81000010L, 'T'),
                new Symbol("a", 0xffffffff81000000L, 't')));
        StringWriter w = new StringWriter();
        t.writeSystemMap(w);
        assertEquals("ffffffff81000000 t a\nffffffff81000010 T b\n", w.toString());
        Path p = dir.resolve("profile.map");
        Files.writeString(p, w.toString());
        SymbolTable back = SymbolTable.fromSystemMap(p);
        assertEquals(t.symbols(), back.symbols());
    }

    @Test
    void kernelImageMemoryTranslates() {
        long physBase = 0x1e000000L;
        byte[] ram = new byte[0x2000];
        ram[0x1008] = 0x42;
        long ramStart = 0x1000000L + physBase; // va 0xffffffff81000000
        PhysicalMemory pm = new PhysicalMemory() {
            @Override
            public void read(long paddr, byte[] dst, int off, int len) {
                if (paddr < ramStart || paddr + len > ramStart + ram.length) {
                    throw new MemoryAccessException(paddr, "outside test RAM");
                }
                System.arraycopy(ram, (int) (paddr - ramStart), dst, off, len);
            }

            @Override
            public boolean contains(long paddr) {
                return paddr >= ramStart && paddr < ramStart + ram.length;
            }
        };
        KernelImageMemory k = new KernelImageMemory(pm, physBase);
        assertEquals(ramStart, k.toPhysical(0xffffffff81000000L));
        assertEquals(0x42, k.readU8(0xffffffff81001008L));
        assertThrows(MemoryAccessException.class, () -> k.readU8(0xffff888000000000L));
        assertThrows(MemoryAccessException.class, () -> k.readU8(0xffffffff81002000L));
    }
}
