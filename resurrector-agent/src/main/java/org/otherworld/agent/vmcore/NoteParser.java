package org.otherworld.agent.vmcore;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Splits the bytes of one PT_NOTE segment into {@link ElfNote}s. Layout (ELF gABI, Elf64_Nhdr in
 * include/uapi/linux/elf.h): 4-byte n_namesz, n_descsz, n_type; the name then the descriptor, each
 * padded to a multiple of 4 bytes (Linux core and kdump notes use 4-byte alignment on 64-bit too).
 */
final class NoteParser {
    static final int NHDR_SIZE = 12;

    private NoteParser() {
    }

    /**
     * Appends the notes of {@code seg} to {@code out}. An all-zero header ends the segment (kdump
     * per-CPU note buffers are zero-padded); a note running past the segment end is reported in
     * {@code warnings} and ends parsing of that segment.
     */
    static void parse(byte[] seg, String where, List<ElfNote> out, List<String> warnings) {
        int pos = 0;
        while (seg.length - pos >= NHDR_SIZE) {
            long namesz = LittleEndian.u32(seg, pos) & 0xffffffffL;
            long descsz = LittleEndian.u32(seg, pos + 4) & 0xffffffffL;
            int type = LittleEndian.u32(seg, pos + 8);
            if (namesz == 0 && descsz == 0 && type == 0) {
                return;
            }
            long nameOff = pos + NHDR_SIZE;
            long descOff = nameOff + align4(namesz);
            long next = descOff + align4(descsz);
            if (descOff + descsz > seg.length) {
                warnings.add(where + ": note at offset " + pos + " (namesz " + namesz + ", descsz " + descsz
                        + ") runs past the segment end (" + seg.length + " bytes); rest ignored");
                return;
            }
            int nameLen = (int) namesz;
            while (nameLen > 0 && seg[(int) nameOff + nameLen - 1] == 0) {
                nameLen--;
            }
            String name = new String(seg, (int) nameOff, nameLen, StandardCharsets.ISO_8859_1);
            byte[] desc = new byte[(int) descsz];
            System.arraycopy(seg, (int) descOff, desc, 0, desc.length);
            out.add(new ElfNote(name, type, desc));
            if (next > seg.length) {
                return;
            }
            pos = (int) next;
        }
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }
}
