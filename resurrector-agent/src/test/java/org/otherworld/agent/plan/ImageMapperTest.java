package org.otherworld.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.files.FileKind;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.images.PageSource;
import org.otherworld.agent.images.ProcessImage;
import org.otherworld.agent.images.SyscallRestart;
import org.otherworld.agent.images.VmaImage;
import org.otherworld.agent.images.VmaStatus;
import org.otherworld.agent.task.ProcessModel;

class ImageMapperTest {
    @Test
    void auxvEndsAtAtNull() {
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {33, 0x7fff, 6, 4096, 0, 0},
                ImageMapper.auxv(new long[] {33, 0x7fff, 6, 4096, 0, 0, 0, 0, 0, 0}));
        assertEquals(0, ImageMapper.auxv(null).length);
    }

    @Test
    void noReserveReservationsKeepMapNoReserve() {
        // a JVM's class-space reservation: PROT_NONE, private, VM_NORESERVE (VmFlags "mr mw me nr")
        long mayRwx = org.otherworld.agent.task.VmaFlags.VM_MAYREAD | org.otherworld.agent.task.VmaFlags.VM_MAYWRITE
                | org.otherworld.agent.task.VmaFlags.VM_MAYEXEC;
        VmaImage reserved = ImageMapper.vma(new org.otherworld.agent.task.Vma(0, 0x1000d0000L, 0x140000000L,
                mayRwx | org.otherworld.agent.task.VmaFlags.VM_NORESERVE, 0, 0, null, null, 0, 0));
        assertEquals(VmaStatus.MAP_PRIVATE | VmaStatus.MAP_ANONYMOUS | VmaStatus.MAP_NORESERVE, reserved.flags());
        assertEquals(0, reserved.prot());
        VmaImage committed = ImageMapper.vma(new org.otherworld.agent.task.Vma(0, 0x1000c0000L, 0x1000d0000L,
                mayRwx | org.otherworld.agent.task.VmaFlags.VM_READ | org.otherworld.agent.task.VmaFlags.VM_WRITE
                        | org.otherworld.agent.task.VmaFlags.VM_ACCOUNT, 0, 0, null, null, 0, 0));
        assertEquals(VmaStatus.MAP_PRIVATE | VmaStatus.MAP_ANONYMOUS, committed.flags());
    }

    /** mmap(MAP_SHARED | MAP_ANONYMOUS): a shmem inode "/dev/zero (deleted)"; becomes VMA_ANON_SHARED with its key. */
    @Test
    void sharedAnonymousMemoryBecomesAnonSharedWithItsInodeAsKey() {
        long f = org.otherworld.agent.task.VmaFlags.VM_READ | org.otherworld.agent.task.VmaFlags.VM_WRITE
                | org.otherworld.agent.task.VmaFlags.VM_SHARED | org.otherworld.agent.task.VmaFlags.VM_MAYSHARE;
        org.otherworld.agent.task.Vma v = new org.otherworld.agent.task.Vma(0, 0x7f0000000000L, 0x7f0000004000L, f, 2,
                0xffff888001234000L, "/dev/zero (deleted)", null, 1, 4711);
        assertEquals(true, ResourceClassifier.isSharedAnon(v));
        assertEquals(java.util.Optional.empty(), ResourceClassifier.vmaBlocker(v, "tmpfs"));
        VmaImage img = ImageMapper.vma(v);
        assertEquals(VmaStatus.MAP_SHARED | VmaStatus.MAP_ANONYMOUS, img.flags());
        assertEquals(VmaStatus.AREA_REGULAR | VmaStatus.ANON_SHARED, img.status());
        assertEquals(4711, img.shmid());
        assertEquals(0x2000, img.pgoff());
        assertNull(img.path());
        // /dev/zero mapped private is ordinary anonymous memory, not a shmem object
        org.otherworld.agent.task.Vma priv = new org.otherworld.agent.task.Vma(0, 0x1000, 0x2000,
                org.otherworld.agent.task.VmaFlags.VM_READ, 0, 0xffff888001235000L, "/dev/zero", null, 5, 6);
        assertEquals(false, ResourceClassifier.isSharedAnon(priv));
    }

    @Test
    void mapsVmasFdsAndThreads() {
        OpenFile log = Models.file(1, FileKind.REGULAR, "/data/log", "ext4");
        OpenFile dup = new OpenFile(2, true, log.file(), log.flags(), log.fmode(), log.pos(), log.path(), log.mntId(),
                log.inode(), log.ino(), log.iMode(), log.size(), log.dev(), log.fsType(), log.rdev(), null, log.kind(),
                null, log.path());
        ProcessModel p = Models.process(90, 1, 90, "app", List.of(Models.file(0, FileKind.CHAR_DEVICE, "/dev/null",
                "devtmpfs"), log, dup, Models.socket(3)), List.of(Models.fileVma(0x800000, 0x801000, "/data/shared", true),
                Models.anon(0x7ffd0000, 0x7fff0000, "[stack]")));
        ProcessPlan plan = new Planner(SystemPolicy.empty(), Registrations.none(), v -> "ext4",
                new Planner.Config(false, true)).plan(List.of(p), Set.of()).process(90).orElseThrow();
        ImageMapper m = new ImageMapper(task -> 0x1234, Map.of(90, 0x5555L));
        List<VmaImage> vmas = m.vmas(p);
        ProcessImage img = m.map(plan, true, vmas, PageSource.NONE);
        assertEquals(0, img.ppid());
        assertEquals(3, img.fds().size()); // the socket is left out
        assertSame(img.fds().get(1).file(), img.fds().get(2).file()); // dup shares the description
        assertEquals(true, img.fds().get(2).cloexec());
        assertEquals(VmaStatus.AREA_REGULAR | VmaStatus.FILE_PRIVATE, vmas.get(0).status());
        assertEquals(VmaStatus.AREA_REGULAR | VmaStatus.ANON_PRIVATE | VmaStatus.AREA_HEAP, vmas.get(1).status());
        assertEquals(VmaStatus.AREA_REGULAR | VmaStatus.FILE_SHARED, vmas.get(2).status());
        assertEquals(VmaStatus.MAP_SHARED, vmas.get(2).flags());
        assertEquals(VmaStatus.MAP_PRIVATE | VmaStatus.MAP_ANONYMOUS, vmas.get(3).flags() & ~VmaStatus.MAP_GROWSDOWN);
        assertNull(vmas.get(1).path());
        assertEquals(SyscallRestart.RESTART, img.threads().get(0).restart());
        assertEquals(0x5555L, img.threads().get(0).regs().fsBase()); // live value from the crash note
        assertEquals(0x1234, img.threads().get(0).robustList());
        assertEquals(16, img.rlimits().size());
        assertEquals(022, img.fs().umask());
    }
}
