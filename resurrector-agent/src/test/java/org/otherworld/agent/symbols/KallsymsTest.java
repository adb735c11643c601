package org.otherworld.agent.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.otherworld.agent.vmcore.VmcoreInfo;

class KallsymsTest {
    static final long BASE = 0xffffffff81000000L;
    static final long RODATA = 0xffffffff82000000L;
    static final long NUM = RODATA, RELBASE = RODATA + 0x8, OFFSETS = RODATA + 0x100, NAMES = RODATA + 0xfa0,
            TOKTAB = RODATA + 0x3000, TOKIDX = RODATA + 0x3800;
    static final String BIG = "big_" + "q".repeat(196);

    static KallsymsEncoder encoder() {
        return new KallsymsEncoder(BASE)
                .add('A', "fixed_percpu_data", 0x0)
                .add('D', "cpu_number", 0x1f0c8)
                .add('T', "_stext", BASE)
                .add('T', "_text", BASE)
                .add('t', "init_task_helper", BASE + 0x1234)
                .add('t', "dup", BASE + 0x2000)
                .add('T', "dup", BASE + 0x3000)
                .add('t', BIG, BASE + 0x4000)
                .add('R', "__start_BTF", 0xffffffff82400000L)
                .add('R', "__stop_BTF", 0xffffffff82600000L)
                .add('D', "page_offset_base", 0xffffffff82a01018L)
                .add('D', "init_task", 0xffffffff82a0c940L);
    }

    static SparseMemory memory(KallsymsEncoder e, int numSyms) {
        return new SparseMemory()
                .put(NUM, KallsymsEncoder.u32(numSyms))
                .put(RELBASE, KallsymsEncoder.u64(BASE))
                .put(OFFSETS, e.offsets())
                .put(NAMES, e.names())
                .put(TOKTAB, e.tokenTable())
                .put(TOKIDX, e.tokenIndex());
    }

    static String info(long stext, String skip) {
        StringBuilder sb = new StringBuilder("OSRELEASE=6.1.0-test\n");
        String[][] t = {{"kallsyms_num_syms", hex(NUM)}, {"kallsyms_relative_base", hex(RELBASE)},
            {"kallsyms_offsets", hex(OFFSETS)}, {"kallsyms_names", hex(NAMES)},
            {"kallsyms_token_table", hex(TOKTAB)}, {"kallsyms_token_index", hex(TOKIDX)}, {"_stext", hex(stext)}};
        for (String[] kv : t) {
            if (!kv[0].equals(skip)) {
                sb.append("SYMBOL(").append(kv[0]).append(")=").append(kv[1]).append('\n');
            }
        }
        return sb.toString();
    }

    static String hex(long v) {
        return Long.toHexString(v);
    }

    @Test
    void decodesAllSymbols() {
        KallsymsEncoder e = encoder();
        assertTrue(e.compressedLength(e.symbols.get(7)) > 0x7f, "the test needs one big-length symbol");
        SymbolTable t = Kallsyms.read(VmcoreInfo.parse(info(BASE, "")), memory(e, e.symbols.size()));
        assertEquals(12, t.size());
        assertEquals(0x0, t.address("fixed_percpu_data"));
        assertEquals('A', t.type("fixed_percpu_data"));
        assertEquals(0x1f0c8, t.address("cpu_number"));
        assertEquals(BASE, t.address("_stext"));
        assertEquals('T', t.type("_stext"));
        assertEquals(BASE + 0x1234, t.address("init_task_helper"));
        assertEquals('t', t.type("init_task_helper"));
        assertEquals(BASE + 0x4000, t.address(BIG));
        assertEquals(0xffffffff82400000L, t.address("__start_BTF"));
        assertEquals(0xffffffff82600000L, t.address("__stop_BTF"));
        assertEquals(0xffffffff82a01018L, t.address("page_offset_base"));
        assertEquals(0xffffffff82a0c940L, t.address("init_task"));
        assertEquals('D', t.type("init_task"));
        assertEquals(BASE + 0x3000, t.address("dup"), "global symbol preferred over local of the same name");
        assertEquals("init_task+0x10", t.nearest(0xffffffff82a0c950L));
        // the decoded list keeps table order and every symbol
        for (int i = 0; i < e.symbols.size(); i++) {
            Symbol want = e.symbols.get(i);
            assertTrue(t.symbols().contains(want), "missing " + want);
            assertTrue(t.contains(want.name()), "not found by name: " + want.name());
            // the name's hash, composed from its tokens, is String.hashCode: the lookup finds that very name
            assertEquals(want.name(), t.symbol(want.name()).orElseThrow().name());
        }
    }

    @Test
    void stextSelfCheck() {
        KallsymsEncoder e = encoder();
        KallsymsException x = assertThrows(KallsymsException.class,
                () -> Kallsyms.read(VmcoreInfo.parse(info(BASE + 0x1000, "")), memory(e, e.symbols.size())));
        assertTrue(x.getMessage().contains("kallsyms tables inconsistent"), x.getMessage());
        assertTrue(x.getMessage().contains("ffffffff81001000"), x.getMessage());
        // without SYMBOL(_stext) there is nothing to check against
        assertEquals(12, Kallsyms.read(VmcoreInfo.parse(info(0, "_stext")), memory(e, 12)).size());
    }

    @Test
    void relativeModeAddsUnsignedOffsets() {
        KallsymsEncoder e = encoder();
        SymbolTable t = Kallsyms.read(VmcoreInfo.parse(info(0, "_stext")), memory(e, 12), Kallsyms.AddressMode.RELATIVE);
        assertEquals(BASE + 0xffffffffL, t.address("_stext")); // offset -1 read as u32
        assertEquals(BASE + 0x1f0c8, t.address("cpu_number"));
    }

    @Test
    void missingTableIsNamed() {
        KallsymsException x = assertThrows(KallsymsException.class,
                () -> Kallsyms.read(VmcoreInfo.parse(info(BASE, "kallsyms_names")), memory(encoder(), 12)));
        assertTrue(x.getMessage().contains("SYMBOL(kallsyms_names)"), x.getMessage());
        assertTrue(x.getMessage().contains("System.map"), x.getMessage());
    }

    @Test
    void implausibleCountsAndCorruptNames() {
        KallsymsEncoder e = encoder();
        VmcoreInfo info = VmcoreInfo.parse(info(BASE, ""));
        KallsymsException x = assertThrows(KallsymsException.class, () -> Kallsyms.read(info, memory(e, -1)));
        assertTrue(x.getMessage().startsWith("kallsyms_num_syms: implausible"), x.getMessage());
        x = assertThrows(KallsymsException.class, () -> Kallsyms.read(info, memory(e, 0)));
        assertTrue(x.getMessage().startsWith("kallsyms_num_syms"), x.getMessage());
        // a count larger than the real table: decoding runs past the mapped names pages and must stop
        // with a clear error naming kallsyms_names, not hang or decode garbage forever
        SparseMemory m = memory(e, 12);
        m.put(NUM, KallsymsEncoder.u32(5000));
        m.put(OFFSETS, new byte[5000 * 4]);
        x = assertThrows(KallsymsException.class, () -> Kallsyms.read(info, m));
        assertTrue(x.getMessage().startsWith("kallsyms_names"), x.getMessage());
        // a zero length byte
        SparseMemory z = memory(e, 12);
        z.put(NAMES, new byte[] {0});
        x = assertThrows(KallsymsException.class, () -> Kallsyms.read(info, z));
        assertTrue(x.getMessage().contains("symbol 0 at offset 0 has length 0"), x.getMessage());
        // a token without terminator within the limit
        SparseMemory u = memory(e, 12);
        u.put(TOKTAB, "x".repeat(0x700).getBytes());
        x = assertThrows(KallsymsException.class, () -> Kallsyms.read(info, u));
        assertTrue(x.getMessage().startsWith("kallsyms_token_table"), x.getMessage());
        // unmapped offsets table
        VmcoreInfo moved = VmcoreInfo.parse(info(BASE, "kallsyms_offsets") + "SYMBOL(kallsyms_offsets)=ffffffff90000000\n");
        x = assertThrows(KallsymsException.class, () -> Kallsyms.read(moved, memory(e, 12)));
        assertTrue(x.getMessage().startsWith("kallsyms_offsets: unreadable"), x.getMessage());
    }
}
