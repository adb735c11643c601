package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otherworld.agent.images.ImageReader;
import org.otherworld.agent.images.ImageSet;
import org.otherworld.agent.images.ProcessImage;
import org.otherworld.agent.images.VmaImage;
import org.otherworld.agent.images.VmaStatus;
import org.otherworld.agent.images.XsaveLayout;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.mm.PageKind;
import org.otherworld.agent.mm.PageVisitor;
import org.otherworld.agent.mm.UserAddressSpace;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.Vma;

/**
 * On a real capture: the dead kernel's vDSO image ({@code vdso_image_64}) starts with the ELF magic and
 * equals, page for page, the resident [vdso] pages of every process that has them. Skipped without a
 * capture.
 */
class RealCaptureVdsoTest {
    @Test
    void kernelImageEqualsTheResidentVdsoPagesOfProcesses() throws Exception {
        try (DeadKernel k = FirstCapture.openOrSkip()) {
            KernelVdso v = KernelVdso.read(k);
            byte[] img = v.bytes();
            assertArrayEquals(KernelVdso.ELF_MAGIC, Arrays.copyOf(img, 4));
            int compared = 0, withMissing = 0;
            for (ProcessModel p : FirstCapture.withMemory(k)) {
                for (Vma vma : p.vmas()) {
                    if (!"[vdso]".equals(vma.name())) {
                        continue;
                    }
                    assertEquals(img.length, vma.end() - vma.start(), "pid " + p.pid() + " [vdso] size");
                    UserAddressSpace space = k.userMemory(p.mm().pgd());
                    int[] resident = {0};
                    space.pages(vma.start(), vma.end(), new PageVisitor() {
                        @Override
                        public void resident(long va, long pa, long size, long entry, PageKind kind) {
                            int index = (int) ((va - vma.start()) / 4096);
                            byte[] got = k.physicalMemory().readBytes(pa, 4096);
                            assertArrayEquals(Arrays.copyOfRange(img, index * 4096, index * 4096 + 4096), got,
                                    "pid " + p.pid() + " [vdso] page " + index);
                            resident[0]++;
                        }
                    });
                    compared += resident[0];
                    withMissing += resident[0] < img.length / 4096 ? 1 : 0;
                }
            }
            System.out.printf("vdso_image_64: data 0x%x, %d bytes; %d resident [vdso] pages compared equal; "
                    + "%d processes with [vdso] pages not mapped%n", v.address(), img.length, compared, withMissing);
            assertTrue(compared > 0, "no process had a resident [vdso] page");
        }
    }

    @TempDir
    Path out;

    /** Every resurrected process's image set carries its whole [vdso], starting with the ELF header. */
    @Test
    void imageSetsCarryTheWholeVdso() throws Exception {
        Path vmcore = FirstCapture.vmcoreOrSkip();
        new Resurrector(new Resurrector.Options(vmcore, out, null, null, null,
                Planner.Config.defaults()), s -> { }).run();
        int checked = 0;
        try (var sets = java.nio.file.Files.list(out)) {
            for (Path set : sets.filter(java.nio.file.Files::isDirectory).toList()) {
                ImageSet read = new ImageReader(XsaveLayout.INTEL_AVX512).read(set);
                for (ProcessImage p : read.processes()) {
                    for (VmaImage v : p.mm().vmas()) {
                        if ((v.status() & VmaStatus.AREA_VDSO) == 0) {
                            continue;
                        }
                        java.util.TreeMap<Long, byte[]> pages = new java.util.TreeMap<>();
                        p.pages().forEachPage((va, d, off) -> {
                            if (va >= v.start() && va < v.end()) {
                                pages.put(va, Arrays.copyOfRange(d, off, off + 4096));
                            }
                        });
                        assertEquals((v.end() - v.start()) / 4096, pages.size(), "pid " + p.pid() + " [vdso] pages");
                        assertArrayEquals(KernelVdso.ELF_MAGIC, Arrays.copyOf(pages.get(v.start()), 4), "pid " + p.pid());
                        checked++;
                    }
                }
            }
        }
        System.out.println("[vdso] complete in the image sets of " + checked + " processes");
        assertTrue(checked > 0, "no resurrected process with a [vdso]");
    }
}
