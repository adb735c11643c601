package org.otherworld.agent.vmcore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class VmcoreInfoTest {
    static final String TEXT = "OSRELEASE=6.1.0-18-cloud-amd64\nBUILD-ID=0123abcd\nPAGESIZE=4096\n"
            + "SYMBOL(init_uts_ns)=ffffffff82a15f20\nSYMBOL(_stext)=ffffffff9e000000\n"
            + "SYMBOL(mem_section)=ffff9f6c3ffd1000\nOFFSET(list_head.next)=0\nOFFSET(task_struct.tasks)=2264\n"
            + "SIZE(page)=64\nLENGTH(mem_section)=2048\nNUMBER(phys_base)=-515899392\nNUMBER(sme_mask)=0\n"
            + "NUMBER(pgtable_l5_enabled)=1\nKERNELOFFSET=1d000000\nCRASHTIME=1700000000\ngarbage line\n\0\0\0";

    @Test
    void typedGetters() {
        VmcoreInfo i = VmcoreInfo.parse(TEXT);
        assertEquals("6.1.0-18-cloud-amd64", i.osRelease());
        assertEquals("0123abcd", i.buildId().orElseThrow());
        assertEquals(4096, i.pageSize());
        assertEquals(0xffffffff82a15f20L, i.symbol("init_uts_ns"));
        assertEquals(0xffff9f6c3ffd1000L, i.findSymbol("mem_section").getAsLong());
        assertEquals(0, i.offset("list_head", "next"));
        assertEquals(2264, i.offset("task_struct", "tasks"));
        assertEquals(64, i.size("page"));
        assertEquals(2048, i.length("mem_section"));
        assertEquals(-515899392L, i.number("phys_base"));
        assertEquals(1, i.number("pgtable_l5_enabled"));
        assertEquals(0x1d000000L, i.kernelOffset());
        assertEquals(1700000000L, i.crashTime());
        assertEquals(15, i.raw().size());
    }

    @Test
    void missingAndMalformed() {
        VmcoreInfo i = VmcoreInfo.parse(TEXT + "\nSYMBOL(bad)=xyz\nNUMBER(bad)=12a\n");
        NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> i.symbol("nope"));
        assertTrue(e.getMessage().contains("SYMBOL(nope)"));
        assertFalse(i.findOffset("task_struct", "mm").isPresent());
        assertTrue(assertThrows(NoSuchElementException.class, () -> i.size("task_struct")).getMessage().contains("SIZE(task_struct)"));
        VmcoreFormatException f = assertThrows(VmcoreFormatException.class, () -> i.symbol("bad"));
        assertTrue(f.getMessage().contains("SYMBOL(bad)") && f.getMessage().contains("xyz"), f.getMessage());
        assertThrows(VmcoreFormatException.class, () -> i.number("bad"));
    }
}
