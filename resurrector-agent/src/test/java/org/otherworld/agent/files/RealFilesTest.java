package org.otherworld.agent.files;

import org.otherworld.agent.live.CaptureStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.kernel.KObject;

/** Checks the fd tables read from real captures against the groundtruth.json taken from /proc. */
class RealFilesTest {

    private static List<Path> captures() {
        List<Path> c = RealCapture.available();
        assumeFalse(c.isEmpty(), "no real capture under " + CaptureStore.root() + " (vm-test GroundTruthIT or ./otherworld capture makes one); skipped");
        return c;
    }

    @Test
    void fdTablesMatchGroundTruth() throws Exception {
        for (Path dir : captures()) {
            RealCapture cap = RealCapture.open(dir);
            FdTable table = new FdTable(cap.ctx);
            List<String> mismatches = new ArrayList<>();
            int checked = 0;
            for (Map<String, Object> p : cap.processes()) {
                long pid = ((Number) p.get("pid")).longValue();
                KObject task = cap.task(pid);
                assertNotNull(task, dir + ": pid " + pid + " not found in the task list");
                FdTable.Result r = table.read(task);
                System.out.println(dir.getFileName() + " pid " + pid + " " + p.get("comm") + " max_fds " + r.maxFds()
                        + " errors " + r.errors());
                FsInfo fs = FsInfo.of(cap.ctx, task);
                System.out.println("   root " + fs.root() + " pwd " + fs.pwd() + " umask 0" + Integer.toOctalString(fs.umask()));
                for (OpenFile f : r.files()) {
                    System.out.println("   fd " + f.fd() + " " + f.kind() + " " + f.path() + " pos " + f.pos() + " flags "
                            + f.procFlagsOctal() + " ino " + f.ino() + " dev " + f.devMajor() + ":" + f.devMinor() + " "
                            + f.fsType() + " mnt " + f.mntId() + " fops " + f.fopsSymbol() + " | " + f.description());
                }
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> fds = (List<Map<String, Object>>) p.get("fds");
                for (Map<String, Object> e : fds) {
                    int fd = ((Number) e.get("fd")).intValue();
                    OpenFile f = r.fd(fd);
                    String id = "pid " + pid + " fd " + fd;
                    checked++;
                    if (f == null) {
                        mismatches.add(id + ": missing");
                        continue;
                    }
                    if (!e.get("path").equals(f.path())) {
                        mismatches.add(id + ": path " + f.path() + " != " + e.get("path"));
                    }
                    if (((Number) e.get("pos")).longValue() != f.pos()) {
                        mismatches.add(id + ": pos " + f.pos() + " != " + e.get("pos"));
                    }
                    if (!e.get("flags").equals(f.procFlagsOctal())) {
                        mismatches.add(id + ": flags " + f.procFlagsOctal() + " != " + e.get("flags"));
                    }
                }
                assertEquals(fds.size(), r.files().size(), dir + " pid " + pid + ": number of open fds");
            }
            assertTrue(checked > 0, dir + ": ground truth lists no fds");
            assertEquals(List.of(), mismatches, dir + ": fd mismatches");
        }
    }

    @Test
    void recognisedSymbolsExist() throws Exception {
        for (Path dir : captures()) {
            RealCapture cap = RealCapture.open(dir);
            List<String> missing = new ArrayList<>();
            List<String> names = new ArrayList<>(FileInspector.KNOWN_FOPS.keySet());
            names.addAll(FileInspector.OTHER_FOPS);
            names.addAll(List.of("pipefs_dname", "sockfs_dname", "anon_inodefs_dname", "simple_dname", "ns_dname",
                    "super_blocks", "init_ipc_ns"));
            for (String n : names) {
                if (!cap.kernel.symbols().contains(n)) {
                    missing.add(n);
                }
            }
            System.out.println(dir.getFileName() + ": symbols missing from kallsyms: " + missing);
            // fanotify may be configured out; the rest are core kernel objects of a 6.1 cloud kernel
            missing.remove("fanotify_fops");
            assertEquals(List.of(), missing, dir + ": symbols the file readers rely on");
        }
    }

    @Test
    void dirtyPageScan() throws Exception {
        for (Path dir : captures()) {
            RealCapture cap = RealCapture.open(dir);
            long t0 = System.nanoTime();
            DirtyPages.Result r = new DirtyPages(cap.ctx).scan();
            System.out.println(dir.getFileName() + ": dirty scan of " + r.superblocks() + " superblocks, "
                    + r.inodesChecked() + " inodes in " + (System.nanoTime() - t0) / 1_000_000 + " ms; errors " + r.errors());
            for (DirtyPages.DirtyFile f : r.files()) {
                System.out.println("   " + f.fsType() + (f.persistent() ? " persistent " : " memory ") + OpenFile.major(f.dev())
                        + ":" + OpenFile.minor(f.dev()) + " ino " + f.ino() + " " + f.path() + " size " + f.size()
                        + " dirty pages " + f.pages().stream().map(p -> p.index() + "+" + p.bytes()).toList());
            }
            assertTrue(r.superblocks() > 3, "expected several superblocks");
            assertTrue(r.inodesChecked() > 100, "expected many inodes");
            for (DirtyPages.DirtyFile f : r.files()) {
                for (DirtyPages.DirtyPage p : f.pages()) {
                    byte[] b = new DirtyPages(cap.ctx).read(p);
                    assertEquals(p.bytes(), b.length);
                }
            }
        }
    }

    @Test
    void sysvShmAndShmemContents() throws Exception {
        for (Path dir : captures()) {
            RealCapture cap = RealCapture.open(dir);
            SysvShm shm = new SysvShm(cap.ctx);
            SysvShm.Result r = shm.segments();
            System.out.println(dir.getFileName() + ": SysV shm segments " + r.segments() + " errors " + r.errors());
            assertEquals(List.of(), r.errors());
            for (SysvShm.Segment seg : r.segments()) {
                // /proc/PID/maps names the attach as the shm file's dentry: "/SYSV%08x (deleted)"
                String expected = String.format("/SYSV%08x (deleted)", seg.key());
                assertEquals(expected, new FileInspector(cap.ctx).inspect(seg.shmFile()).path());
                boolean inMaps = false;
                for (Map<String, Object> p : cap.processes()) {
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> vmas = (List<Map<String, Object>>) p.get("vmas");
                    inMaps |= ((Number) p.get("pid")).longValue() == seg.cpid()
                            && vmas.stream().anyMatch(v -> expected.equals(v.get("path")));
                }
                assertTrue(inMaps, expected + " not among the creator's (pid " + seg.cpid() + ") mappings in the ground truth");
                try (var in = shm.contents(seg)) {
                    assertEquals(seg.size(), in.readAllBytes().length);
                }
            }
            // the member paths segment() uses resolve against the real BTF even when there is no segment
            for (String m : List.of("shm_perm.id", "shm_perm.key", "shm_perm.uid.val", "shm_perm.gid.val", "shm_perm.cuid.val",
                    "shm_perm.cgid.val", "shm_perm.mode", "shm_perm.seq", "shm_perm.deleted", "shm_file", "shm_segsz",
                    "shm_nattch", "shm_cprid", "shm_lprid")) {
                cap.kernel.types().struct("shmid_kernel").member(m);
            }
            cap.kernel.types().struct("shm_file_data").member("file");
            cap.kernel.types().struct("pid").member("numbers");
            // a file on the shmem rootfs: stream its contents from the page cache (a jar: zip magic, full length)
            for (Map<String, Object> p : cap.processes()) {
                KObject task = cap.task(((Number) p.get("pid")).longValue());
                for (OpenFile f : new FdTable(cap.ctx).read(task).files()) {
                    if (!f.path().endsWith(".jar") || !"rootfs".equals(f.fsType())) {
                        continue;
                    }
                    PageCache pc = new PageCache(cap.ctx);
                    byte[] all;
                    try (var in = pc.readShmemFile(f.inode())) {
                        all = in.readAllBytes();
                    }
                    System.out.println("   " + f.path() + ": " + all.length + " bytes from " + pc.allPages(f.inode(), true).size()
                            + " cached pages, swapped " + pc.swappedIndexes(f.inode()));
                    assertEquals(f.size(), all.length);
                    assertEquals('P', all[0]);
                    assertEquals('K', all[1]);
                    // zip end-of-central-directory record near the end
                    boolean eocd = false;
                    for (int i = all.length - 22; i >= Math.max(0, all.length - 66000) && !eocd; i--) {
                        eocd = all[i] == 'P' && all[i + 1] == 'K' && all[i + 2] == 5 && all[i + 3] == 6;
                    }
                    assertTrue(eocd, f.path() + ": no zip end record in the streamed contents");
                }
            }
        }
    }
}
