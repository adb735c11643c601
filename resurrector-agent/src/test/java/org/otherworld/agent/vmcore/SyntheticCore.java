package org.otherworld.agent.vmcore;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds small ELF64 x86-64 core files in memory, laid out like a kdump vmcore (test helper). */
public final class SyntheticCore {
    record Note(String name, int type, byte[] desc) {
    }

    record Load(long paddr, byte[] data, long memsz) {
    }

    final List<Note> notes = new ArrayList<>();
    final List<Load> loads = new ArrayList<>();
    /** File offsets of each load's data, filled by {@link #build()}. */
    final List<Long> loadOffsets = new ArrayList<>();
    long noteOffset;

    public SyntheticCore note(String name, int type, byte[] desc) {
        notes.add(new Note(name, type, desc));
        return this;
    }

    public SyntheticCore vmcoreInfo(String text) {
        return note("VMCOREINFO", 0, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public SyntheticCore load(long paddr, byte[] data, long memsz) {
        loads.add(new Load(paddr, data, memsz));
        return this;
    }

    public static byte[] prstatus(int pid, long regBase) {
        byte[] d = new byte[CpuState.PRSTATUS_SIZE];
        LittleEndian.putU32(d, CpuState.PR_PID_OFFSET, pid);
        for (int i = 0; i < CpuState.Register.values().length; i++) {
            LittleEndian.putU64(d, CpuState.PR_REG_OFFSET + 8 * i, regBase + i);
        }
        return d;
    }

    public static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }

    public byte[] build() {
        int phnum = loads.size() + 1;
        ByteArrayOutputStream noteBytes = new ByteArrayOutputStream();
        for (Note n : notes) {
            byte[] name = (n.name + "\0").getBytes(StandardCharsets.ISO_8859_1);
            byte[] h = new byte[12];
            LittleEndian.putU32(h, 0, name.length);
            LittleEndian.putU32(h, 4, n.desc.length);
            LittleEndian.putU32(h, 8, n.type);
            noteBytes.writeBytes(h);
            noteBytes.writeBytes(name);
            noteBytes.writeBytes(new byte[(4 - name.length % 4) % 4]);
            noteBytes.writeBytes(n.desc);
            noteBytes.writeBytes(new byte[(4 - n.desc.length % 4) % 4]);
        }
        byte[] nb = noteBytes.toByteArray();
        noteOffset = 64 + 56L * phnum;
        long off = noteOffset + nb.length;
        loadOffsets.clear();
        for (Load l : loads) {
            off = (off + 7) & ~7L;
            loadOffsets.add(off);
            off += l.data.length;
        }
        byte[] f = new byte[(int) off];
        f[0] = 0x7f;
        f[1] = 'E';
        f[2] = 'L';
        f[3] = 'F';
        f[4] = 2;
        f[5] = 1;
        f[6] = 1;
        putU16(f, 16, 4);
        putU16(f, 18, 62);
        LittleEndian.putU32(f, 20, 1);
        LittleEndian.putU64(f, 32, 64);
        putU16(f, 52, 64);
        putU16(f, 54, 56);
        putU16(f, 56, phnum);
        int ph = 64;
        LittleEndian.putU32(f, ph, 4);
        LittleEndian.putU64(f, ph + 8, noteOffset);
        LittleEndian.putU64(f, ph + 32, nb.length);
        LittleEndian.putU64(f, ph + 40, nb.length);
        System.arraycopy(nb, 0, f, (int) noteOffset, nb.length);
        for (int i = 0; i < loads.size(); i++) {
            Load l = loads.get(i);
            int p = ph + 56 * (i + 1);
            LittleEndian.putU32(f, p, 1);
            LittleEndian.putU32(f, p + 4, 7);
            LittleEndian.putU64(f, p + 8, loadOffsets.get(i));
            LittleEndian.putU64(f, p + 16, 0xffff888000000000L + l.paddr);
            LittleEndian.putU64(f, p + 24, l.paddr);
            LittleEndian.putU64(f, p + 32, l.data.length);
            LittleEndian.putU64(f, p + 40, l.memsz);
            System.arraycopy(l.data, 0, f, loadOffsets.get(i).intValue(), l.data.length);
        }
        return f;
    }

    static void putU16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }
}
