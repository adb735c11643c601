package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfBuilder;
import org.otherworld.agent.images.VmaImage;
import org.otherworld.agent.images.VmaStatus;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.mm.UserAddressSpace;
import org.otherworld.agent.mm.X86PageBits;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;
import org.otherworld.agent.vmcore.PhysicalMemory;
import org.otherworld.agent.vmcore.VirtualMemory;
import org.junit.jupiter.api.Test;

/** The kernel's vDSO image and its use for [vdso] pages the page tables do not map, on synthetic memory. */
class KernelVdsoTest {
    private static final int PAGE = 4096;
    /** Where the synthetic struct vdso_image and its data live in the synthetic kernel memory. */
    private static final long STRUCT = 0xffffffff82000000L, DATA = 0xffffffff81e00000L;
    private static final long VDSO_VA = 0x7ffd00001000L, STACK_VA = 0x7ffd00000000L;

    /** struct vdso_image with data at 0 and size at 8 (as on 6.1), plus a member after, 24 bytes. */
    static KernelTypes types(boolean swapped) {
        BtfBuilder b = new BtfBuilder();
        int ulong = b.intType("long unsigned int", 8, 0);
        int voidp = b.ptr(0);
        BtfBuilder.Composite vi = b.struct("vdso_image", 24);
        if (swapped) { // layout from BTF by name, not by position
            vi.member("size", ulong, 0).member("alt", ulong, 64).member("data", voidp, 128);
        } else {
            vi.member("data", voidp, 0).member("size", ulong, 64).member("alt", ulong, 128);
        }
        return new KernelTypes(Btf.parse(b.build()));
    }

    /** Byte-addressed sparse memory (kernel virtual or physical). */
    static final class Mem implements VirtualMemory, PhysicalMemory {
        final Map<Long, byte[]> pages = new HashMap<>();

        void write(long a, byte[] src) {
            for (int i = 0; i < src.length; i++) {
                pages.computeIfAbsent((a + i) >>> 12, k -> new byte[PAGE])[(int) ((a + i) & 4095)] = src[i];
            }
        }

        void u64(long a, long v) {
            byte[] b = new byte[8];
            LittleEndian.putU64(b, 0, v);
            write(a, b);
        }

        @Override
        public void read(long a, byte[] dst, int off, int len) {
            for (int i = 0; i < len; i++) {
                byte[] p = pages.get((a + i) >>> 12);
                if (p == null) {
                    throw new MemoryAccessException(a + i, "nothing here");
                }
                dst[off + i] = p[(int) ((a + i) & 4095)];
            }
        }

        @Override
        public long readU64(long a) {
            return LittleEndian.u64(readBytes(a, 8), 0);
        }

        @Override
        public byte[] readBytes(long a, int len) {
            byte[] b = new byte[len];
            read(a, b, 0, len);
            return b;
        }

        @Override
        public boolean contains(long a) {
            return pages.containsKey(a >>> 12);
        }
    }

    static byte[] image(int pages) {
        byte[] img = new byte[pages * PAGE];
        for (int i = 0; i < img.length; i++) {
            img[i] = (byte) (i * 7 + 3);
        }
        System.arraycopy(KernelVdso.ELF_MAGIC, 0, img, 0, 4);
        return img;
    }

    static Mem kernel(boolean swapped, long size, byte[] data) {
        Mem k = new Mem();
        KernelTypes t = types(swapped);
        long dataOff = t.struct("vdso_image").member("data").offset();
        long sizeOff = t.struct("vdso_image").member("size").offset();
        k.u64(STRUCT + dataOff, DATA);
        k.u64(STRUCT + sizeOff, size);
        k.write(DATA, data);
        return k;
    }

    @Test
    void readsTheImageThroughBtfMemberNames() {
        for (boolean swapped : new boolean[] {false, true}) {
            byte[] img = image(2);
            KernelVdso v = KernelVdso.read(types(swapped), kernel(swapped, img.length, img), STRUCT);
            assertEquals(2, v.pages());
            assertEquals(DATA, v.address());
            assertArrayEquals(img, v.bytes());
            byte[] p1 = new byte[PAGE];
            v.copyPage(1, p1, 0);
            assertArrayEquals(Arrays.copyOfRange(img, PAGE, 2 * PAGE), p1);
        }
    }

    @Test
    void rejectsAnImageWithoutElfMagicOrWithABadSize() {
        byte[] img = image(2);
        img[1] = 'X';
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KernelVdso.read(types(false), kernel(false, img.length, img), STRUCT));
        assertTrue(e.getMessage().contains("ELF magic"), e.getMessage());
        byte[] good = image(2);
        assertThrows(IllegalStateException.class,
                () -> KernelVdso.read(types(false), kernel(false, 100, good), STRUCT));
        assertThrows(IllegalStateException.class,
                () -> KernelVdso.read(types(false), kernel(false, 0, good), STRUCT));
        assertThrows(IllegalStateException.class,
                () -> KernelVdso.read(types(false), kernel(false, 1L << 20, good), STRUCT));
    }

    // ---- VmcorePageSource on a synthetic 4-level address space ----

    private static long nextTable = 0x100000;

    static long table(Mem phys) {
        long t = nextTable;
        nextTable += PAGE;
        phys.write(t, new byte[PAGE]);
        return t;
    }

    static void map(Mem phys, long pgd, long va, long pa) {
        long t = pgd;
        for (int level = 4; level > 1; level--) {
            long ea = t + (((va >>> (12 + 9 * (level - 1))) & 511) << 3);
            long e = phys.readU64(ea);
            if (e == 0) {
                long n = table(phys);
                phys.u64(ea, n | X86PageBits.PRESENT | X86PageBits.RW | X86PageBits.USER);
                t = n;
            } else {
                t = e & X86PageBits.PFN_MASK_4K;
            }
        }
        phys.u64(t + (((va >>> 12) & 511) << 3), pa | X86PageBits.PRESENT | X86PageBits.USER);
    }

    static List<long[]> pages(VmcorePageSource src, List<byte[]> data) throws IOException {
        List<long[]> out = new ArrayList<>();
        src.forEachPage((va, d, off) -> {
            out.add(new long[] {va});
            data.add(Arrays.copyOfRange(d, off, off + PAGE));
        });
        return out;
    }

    static final List<VmaImage> VMAS = List.of(
            new VmaImage(STACK_VA, STACK_VA + PAGE, 0, 3, VmaStatus.MAP_PRIVATE | VmaStatus.MAP_ANONYMOUS,
                    VmaStatus.AREA_REGULAR | VmaStatus.ANON_PRIVATE, null, 0),
            new VmaImage(VDSO_VA, VDSO_VA + 2 * PAGE, 0, 5, VmaStatus.MAP_PRIVATE | VmaStatus.MAP_ANONYMOUS,
                    VmaStatus.AREA_REGULAR | VmaStatus.ANON_PRIVATE | VmaStatus.AREA_VDSO, null, 0));

    @Test
    void unmappedVdsoPagesComeFromTheKernelImageMappedOnesFromThePageTables() throws IOException {
        Mem phys = new Mem();
        long pgd = table(phys);
        byte[] stack = new byte[PAGE];
        Arrays.fill(stack, (byte) 0x55);
        phys.write(0x900000, stack);
        map(phys, pgd, STACK_VA, 0x900000);
        byte[] resident = new byte[PAGE];
        Arrays.fill(resident, (byte) 0x66); // differs from the kernel image: must win for a mapped page
        phys.write(0xa00000, resident);
        map(phys, pgd, VDSO_VA + PAGE, 0xa00000); // only the vDSO's second page is mapped
        byte[] img = image(2);
        KernelVdso kv = KernelVdso.read(types(false), kernel(false, img.length, img), STRUCT);
        UserAddressSpace space = new UserAddressSpace(phys, pgd, 4, null);

        List<byte[]> data = new ArrayList<>();
        List<long[]> got = pages(new VmcorePageSource(space, phys, VMAS, null, () -> kv), data);
        assertEquals(3, got.size());
        assertEquals(STACK_VA, got.get(0)[0]);
        assertEquals(VDSO_VA, got.get(1)[0]);
        assertEquals(VDSO_VA + PAGE, got.get(2)[0]);
        assertArrayEquals(stack, data.get(0));
        assertArrayEquals(Arrays.copyOfRange(img, 0, PAGE), data.get(1));
        assertArrayEquals(resident, data.get(2));

        // without the kernel image (old behaviour) the unmapped page is left out
        List<byte[]> d2 = new ArrayList<>();
        assertEquals(2, pages(new VmcorePageSource(space, phys, VMAS, null), d2).size());

        // the image is only read when a page is missing
        map(phys, pgd, VDSO_VA, 0xa00000);
        List<byte[]> d3 = new ArrayList<>();
        assertEquals(3, pages(new VmcorePageSource(space, phys, VMAS, null, () -> {
            throw new IllegalStateException("must not be read");
        }), d3).size());
    }

    @Test
    void anUnreadableKernelImageIsAClearError() {
        Mem phys = new Mem();
        long pgd = table(phys);
        UserAddressSpace space = new UserAddressSpace(phys, pgd, 4, null);
        IOException e = assertThrows(IOException.class, () -> pages(new VmcorePageSource(space, phys,
                List.of(VMAS.get(1)), null, () -> {
                    throw new IllegalStateException("the dead kernel's vDSO image (vdso_image_64) could not be read");
                }), new ArrayList<>()));
        assertTrue(e.getMessage().contains("[vdso] page 0x7ffd00001000 is not mapped"), e.getMessage());
        byte[] img = image(1);
        KernelVdso small = KernelVdso.read(types(false), kernel(false, img.length, img), STRUCT);
        IOException e2 = assertThrows(IOException.class, () -> pages(new VmcorePageSource(space, phys,
                List.of(VMAS.get(1)), null, () -> small), new ArrayList<>()));
        assertTrue(e2.getMessage().contains("only 1 pages"), e2.getMessage());
    }
}
