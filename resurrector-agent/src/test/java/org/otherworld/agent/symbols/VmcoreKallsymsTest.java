package org.otherworld.agent.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.vmcore.ElfVmcore;
import org.otherworld.agent.vmcore.SyntheticCore;

/** End to end: an ELF vmcore file -> kernel image mapping -> kallsyms -> symbol table. */
class VmcoreKallsymsTest {
    @TempDir
    Path dir;

    @Test
    void bootstrapSymbolsFromVmcoreFile() throws IOException {
        long physBase = 0x2000000;
        KallsymsEncoder e = KallsymsTest.encoder();
        byte[] image = new byte[0x4000]; // the page range holding the tables, at KallsymsTest.RODATA
        put(image, KallsymsTest.NUM, KallsymsEncoder.u32(e.symbols.size()));
        put(image, KallsymsTest.RELBASE, KallsymsEncoder.u64(KallsymsTest.BASE));
        put(image, KallsymsTest.OFFSETS, e.offsets());
        put(image, KallsymsTest.NAMES, e.names());
        put(image, KallsymsTest.TOKTAB, e.tokenTable());
        put(image, KallsymsTest.TOKIDX, e.tokenIndex());
        long tablesPhys = KallsymsTest.RODATA - KernelImageMemory.START_KERNEL_MAP + physBase;
        String info = KallsymsTest.info(KallsymsTest.BASE, "") + "NUMBER(phys_base)=" + physBase + "\n";
        Path p = dir.resolve("vmcore");
        Files.write(p, new SyntheticCore().vmcoreInfo(info)
                .load(0, new byte[0x1000], 0x1000)
                .load(tablesPhys, image, image.length).build());
        try (ElfVmcore v = ElfVmcore.open(p)) {
            SymbolTable t = Kallsyms.readFromImage(v, v.vmcoreInfo());
            assertEquals(12, t.size());
            assertEquals(0xffffffff82a0c940L, t.address("init_task"));
            assertEquals(0xffffffff82400000L, t.address("__start_BTF"));
        }
    }

    private static void put(byte[] image, long va, byte[] data) {
        System.arraycopy(data, 0, image, (int) (va - KallsymsTest.RODATA), data.length);
    }
}
