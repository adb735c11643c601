package org.otherworld.agent.images;

import org.otherworld.agent.images.proto.UserX86FpregsEntry;
import org.otherworld.agent.images.proto.UserX86XsaveEntry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts between an XSAVE area (as the kernel keeps it: FXSAVE legacy area, XSAVE header, components)
 * and CRIU's user_x86_fpregs_entry, following criu/arch/x86/crtools.c save_task_regs at v3.17.1:
 * 32 st_space words, 64 xmm_space words and, per existing component, the component's bytes as
 * ymmh_space / bndreg_state / bndcsr_state / opmask_reg / zmm_upper / hi16_zmm / pkru.
 */
public final class FpuCodec {
    private FpuCodec() {
    }

    /** FNINIT control word, MXCSR reset value and a typical MXCSR mask (x86 SDM "initial state"). */
    public static final int FCW_INIT = 0x37f, MXCSR_INIT = 0x1f80, MXCSR_MASK_DEFAULT = 0xffff;
    private static final int ST_WORDS = 32, XMM_WORDS = 64;

    /**
     * The fpregs entry for {@code xsave} (standard or compacted format), or the FPU's initial state
     * (no xsave member) when {@code xsave} is null.
     *
     * @throws IllegalArgumentException if the area is shorter than the components it declares
     */
    public static UserX86FpregsEntry encode(byte[] xsave, XsaveLayout layout) {
        if (xsave == null) {
            UserX86FpregsEntry.Builder b = UserX86FpregsEntry.newBuilder().setCwd(FCW_INIT).setSwd(0).setTwd(0)
                    .setFop(0).setRip(0).setRdp(0).setMxcsr(MXCSR_INIT).setMxcsrMask(MXCSR_MASK_DEFAULT);
            for (int i = 0; i < ST_WORDS; i++) {
                b.addStSpace(0);
            }
            for (int i = 0; i < XMM_WORDS; i++) {
                b.addXmmSpace(0);
            }
            return b.build();
        }
        if (xsave.length < XsaveLayout.LEGACY_SIZE) {
            throw new IllegalArgumentException("xsave area of " + xsave.length + " bytes is shorter than the legacy area");
        }
        ByteBuffer a = ByteBuffer.wrap(xsave).order(ByteOrder.LITTLE_ENDIAN);
        UserX86FpregsEntry.Builder b = UserX86FpregsEntry.newBuilder()
                .setCwd(a.getShort(0) & 0xffff).setSwd(a.getShort(2) & 0xffff).setTwd(a.getShort(4) & 0xffff)
                .setFop(a.getShort(6) & 0xffff).setRip(a.getLong(8)).setRdp(a.getLong(16))
                .setMxcsr(a.getInt(24)).setMxcsrMask(a.getInt(28));
        for (int i = 0; i < ST_WORDS; i++) {
            b.addStSpace(a.getInt(32 + 4 * i));
        }
        for (int i = 0; i < XMM_WORDS; i++) {
            b.addXmmSpace(a.getInt(160 + 4 * i));
        }
        if (xsave.length < XsaveLayout.LEGACY_SIZE + XsaveLayout.HEADER_SIZE) {
            return b.build();
        }
        long xstateBv = a.getLong(XsaveLayout.LEGACY_SIZE);
        long xcompBv = a.getLong(XsaveLayout.LEGACY_SIZE + 8);
        UserX86XsaveEntry.Builder x = UserX86XsaveEntry.newBuilder().setXstateBv(xstateBv & layout.features());
        for (int c = XsaveLayout.YMM; c <= XsaveLayout.PKRU; c++) {
            if (!layout.has(c)) {
                continue;
            }
            int size = XsaveLayout.size(c);
            int off = layout.offsetOf(c, xcompBv);
            boolean present = (xcompBv & XsaveLayout.XCOMP_BV_COMPACTED) == 0 || (xcompBv >>> c & 1) != 0;
            boolean inUse = (xstateBv >>> c & 1) != 0 && present;
            if (inUse && off + size > xsave.length) {
                throw new IllegalArgumentException("xsave component " + c + " at offset " + off + " beyond area of "
                        + xsave.length + " bytes");
            }
            for (int i = 0; i < size; i += wordSize(c)) {
                long v = inUse ? (wordSize(c) == 4 ? a.getInt(off + i) & 0xffffffffL : a.getLong(off + i)) : 0;
                addWord(x, c, v);
            }
        }
        return b.setXsave(x.build()).build();
    }

    /** The standard-format XSAVE area described by {@code e} (inverse of {@link #encode}). */
    public static byte[] decode(UserX86FpregsEntry e, XsaveLayout layout) {
        int size = e.hasXsave() ? layout.standardSize() : XsaveLayout.LEGACY_SIZE;
        ByteBuffer a = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        a.putShort(0, (short) e.getCwd()).putShort(2, (short) e.getSwd()).putShort(4, (short) e.getTwd())
                .putShort(6, (short) e.getFop()).putLong(8, e.getRip()).putLong(16, e.getRdp())
                .putInt(24, e.getMxcsr()).putInt(28, e.getMxcsrMask());
        for (int i = 0; i < Math.min(ST_WORDS, e.getStSpaceCount()); i++) {
            a.putInt(32 + 4 * i, e.getStSpace(i));
        }
        for (int i = 0; i < Math.min(XMM_WORDS, e.getXmmSpaceCount()); i++) {
            a.putInt(160 + 4 * i, e.getXmmSpace(i));
        }
        if (!e.hasXsave()) {
            return a.array();
        }
        UserX86XsaveEntry x = e.getXsave();
        a.putLong(XsaveLayout.LEGACY_SIZE, x.getXstateBv());
        for (int c = XsaveLayout.YMM; c <= XsaveLayout.PKRU; c++) {
            if (!layout.has(c)) {
                continue;
            }
            int off = layout.offsetOf(c, 0);
            int words = XsaveLayout.size(c) / wordSize(c);
            for (int i = 0; i < Math.min(words, wordCount(x, c)); i++) {
                if (wordSize(c) == 4) {
                    a.putInt(off + 4 * i, (int) word(x, c, i));
                } else {
                    a.putLong(off + 8 * i, word(x, c, i));
                }
            }
        }
        return a.array();
    }

    private static int wordSize(int c) {
        return c == XsaveLayout.YMM || c == XsaveLayout.PKRU ? 4 : 8;
    }

    private static void addWord(UserX86XsaveEntry.Builder x, int c, long v) {
        switch (c) {
            case XsaveLayout.YMM -> x.addYmmhSpace((int) v);
            case XsaveLayout.BNDREGS -> x.addBndregState(v);
            case XsaveLayout.BNDCSR -> x.addBndcsrState(v);
            case XsaveLayout.OPMASK -> x.addOpmaskReg(v);
            case XsaveLayout.ZMM_HI256 -> x.addZmmUpper(v);
            case XsaveLayout.HI16_ZMM -> x.addHi16Zmm(v);
            case XsaveLayout.PKRU -> x.addPkru((int) v);
            default -> { }
        }
    }

    private static int wordCount(UserX86XsaveEntry x, int c) {
        return switch (c) {
            case XsaveLayout.YMM -> x.getYmmhSpaceCount();
            case XsaveLayout.BNDREGS -> x.getBndregStateCount();
            case XsaveLayout.BNDCSR -> x.getBndcsrStateCount();
            case XsaveLayout.OPMASK -> x.getOpmaskRegCount();
            case XsaveLayout.ZMM_HI256 -> x.getZmmUpperCount();
            case XsaveLayout.HI16_ZMM -> x.getHi16ZmmCount();
            case XsaveLayout.PKRU -> x.getPkruCount();
            default -> 0;
        };
    }

    private static long word(UserX86XsaveEntry x, int c, int i) {
        return switch (c) {
            case XsaveLayout.YMM -> x.getYmmhSpace(i) & 0xffffffffL;
            case XsaveLayout.BNDREGS -> x.getBndregState(i);
            case XsaveLayout.BNDCSR -> x.getBndcsrState(i);
            case XsaveLayout.OPMASK -> x.getOpmaskReg(i);
            case XsaveLayout.ZMM_HI256 -> x.getZmmUpper(i);
            case XsaveLayout.HI16_ZMM -> x.getHi16Zmm(i);
            case XsaveLayout.PKRU -> x.getPkru(i) & 0xffffffffL;
            default -> 0;
        };
    }
}
