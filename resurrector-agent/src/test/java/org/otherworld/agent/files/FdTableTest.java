package org.otherworld.agent.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.vmcore.MemoryAccessException;

class FdTableTest {
    MiniFs fs;
    long rootMnt, rootDentry, sb, task, fdArray, openFds, cloexec, fdt;

    @BeforeEach
    void setUp() {
        fs = new MiniFs();
        sb = fs.superBlock("ext4", (254 << 20) | 1, true);
        rootDentry = fs.dentry("/", 0, 0);
        rootMnt = fs.mount(sb, rootDentry, 0, 0, 1);
        fdt = fs.alloc(32);
        fdArray = fs.alloc(8 * 128);
        openFds = fs.alloc(16);
        cloexec = fs.alloc(16);
        fs.mem.u32(fdt, 128).u64(fdt + 8, fdArray).u64(fdt + 16, cloexec).u64(fdt + 24, openFds);
        long files = fs.alloc(16);
        fs.mem.u64(files + 8, fdt);
        long fsStruct = fs.alloc(40);
        long home = fs.dentry("home", rootDentry, 0);
        fs.mem.u32(fsStruct + 4, 022).u64(fsStruct + 8, rootMnt).u64(fsStruct + 16, rootDentry)
                .u64(fsStruct + 24, rootMnt).u64(fsStruct + 32, home);
        task = fs.alloc(24);
        fs.mem.u32(task, 42).u64(task + 8, fsStruct).u64(task + 16, files);
    }

    long regular(String name, int flags, long pos) {
        long inode = fs.inode(sb, 100 + name.length(), OpenFile.S_IFREG | 0644, 5000);
        long d = fs.dentry(name, rootDentry, inode);
        return fs.file(rootMnt, d, inode, "ext4_file_operations", flags, OpenFile.FMODE_READ | OpenFile.FMODE_WRITE, pos);
    }

    void install(int fd, long file, boolean cloexecBit) {
        fs.mem.u64(fdArray + 8L * fd, file);
        setBit(openFds, fd);
        if (cloexecBit) {
            setBit(cloexec, fd);
        }
    }

    void setBit(long map, int bit) {
        long w = map + 8L * (bit / 64);
        fs.mem.u64(w, fs.mem.readU64(w) | (1L << (bit % 64)));
    }

    @Test
    void listsInstalledFdsWithProcFlags() {
        install(0, regular("in", 0100000, 0), false);
        install(1, regular("out.log", 0102001, 235), false);
        install(5, regular("five", 02, 7), true);
        install(70, regular("seventy", 0100000, 0), false);
        setBit(openFds, 3); // reserved by a racing open: bit set, no file yet
        FdTable.Result r = new FdTable(fs.ctx).read(task);
        assertEquals(List.of(), r.errors());
        assertEquals(128, r.maxFds());
        assertEquals(List.of(0, 1, 5, 70), r.files().stream().map(OpenFile::fd).toList());
        OpenFile out = r.fd(1);
        assertEquals("/out.log", out.path());
        assertEquals(235, out.pos());
        assertEquals("0102001", out.procFlagsOctal());
        assertEquals(FileKind.REGULAR, out.kind());
        assertEquals("ext4", out.fsType());
        assertEquals(254, out.devMajor());
        assertEquals(1, out.devMinor());
        assertEquals(1, out.mntId());
        OpenFile five = r.fd(5);
        assertTrue(five.closeOnExec());
        assertEquals(02, five.flags());
        assertEquals(02000002, five.procFlags());
        assertEquals("02000002", five.procFlagsOctal());
        assertNull(r.fd(3));
    }

    @Test
    void fsInfo() {
        FsInfo info = FsInfo.of(fs.ctx, fs.ctx.object("task_struct", task));
        assertEquals("/", info.root());
        assertEquals("/home", info.pwd());
        assertEquals(022, info.umask());
    }

    @Test
    void implausibleMaxFdsIsRejected() {
        fs.mem.u32(fdt, FdTable.MAX_FDS_LIMIT + 1);
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> new FdTable(fs.ctx).read(task));
        assertTrue(e.getMessage().contains("max_fds"), e.getMessage());
    }

    @Test
    void unreadableFileIsReportedAndSkipped() {
        install(0, regular("ok", 0, 0), false);
        install(1, 0xffff888066660000L, false);
        install(2, regular("ok2", 0, 0), false);
        FdTable.Result r = new FdTable(fs.ctx).read(task);
        assertEquals(List.of(0, 2), r.files().stream().map(OpenFile::fd).toList());
        assertEquals(1, r.errors().size());
        assertTrue(r.errors().get(0).contains("fd 1"), r.errors().get(0));
    }

    @Test
    void fileWithoutOpenBitIsStillListedButReported() {
        fs.mem.u64(fdArray + 8 * 9, regular("nine", 0, 0));
        FdTable.Result r = new FdTable(fs.ctx).read(task);
        assertEquals(List.of(), r.files().stream().map(OpenFile::fd).filter(f -> f != 9).toList());
        // the chunk is skipped when no open_fds bit is set at all: nothing listed
        assertTrue(r.files().isEmpty());
        install(0, regular("zero", 0, 0), false);
        r = new FdTable(fs.ctx).read(task);
        assertEquals(List.of(0, 9), r.files().stream().map(OpenFile::fd).toList());
        assertFalse(r.errors().isEmpty());
    }

    @Test
    void taskWithoutFiles() {
        fs.mem.u64(task + 16, 0);
        FdTable.Result r = new FdTable(fs.ctx).read(task);
        assertTrue(r.files().isEmpty());
        assertEquals(0, r.filesStruct());
    }

    @Test
    void pipeEndsAndEventfd() {
        long pipeSb = fs.superBlock("pipefs", 13, false);
        long pipeRoot = fs.dentry("pipe:", 0, 0);
        long pipeMnt = fs.mount(pipeSb, pipeRoot, 0, 0, 9);
        long pi = fs.inode(pipeSb, 4321, OpenFile.S_IFIFO | 0600, 0);
        long pd = fs.dentry("", 0, pi);
        fs.setOps(pd, fs.dops("pipefs_dname"));
        install(3, fs.file(pipeMnt, pd, pi, "pipefifo_fops", 0, OpenFile.FMODE_READ, 0), false);
        install(4, fs.file(pipeMnt, pd, pi, "pipefifo_fops", 01, OpenFile.FMODE_WRITE, 0), false);

        long anonSb = fs.superBlock("anon_inodefs", 14, false);
        long anonRoot = fs.dentry("anon_inode:", 0, 0);
        long anonMnt = fs.mount(anonSb, anonRoot, 0, 0, 10);
        long ai = fs.inode(anonSb, 1, 0600, 0);
        long ad = fs.dentry("[eventfd]", 0, ai);
        fs.setOps(ad, fs.dops("anon_inodefs_dname"));
        long efd = fs.file(anonMnt, ad, ai, "eventfd_fops", 02, 3, 0);
        long ectx = fs.alloc(8);
        fs.mem.u64(ectx, 5).u64(efd + 48, ectx);
        install(6, efd, true);
        long epfd = fs.file(anonMnt, fs.dentry("[eventpoll]", 0, ai), ai, "eventpoll_fops", 02, 3, 0);
        fs.setOps(fs.mem.readU64(epfd + 8), fs.dops("anon_inodefs_dname"));
        install(7, epfd, false);

        FdTable.Result r = new FdTable(fs.ctx).read(task);
        assertEquals(List.of(), r.errors());
        assertEquals(FileKind.PIPE, r.fd(3).kind());
        assertEquals("pipe:[4321]", r.fd(3).path());
        assertEquals("pipe:[4321] (read end)", r.fd(3).description());
        assertEquals("pipe:[4321] (write end)", r.fd(4).description());
        assertEquals(FileKind.EVENTFD, r.fd(6).kind());
        assertEquals("anon_inode:[eventfd]", r.fd(6).path());
        assertEquals("eventfd count=5", r.fd(6).description());
        assertEquals("02000002", r.fd(6).procFlagsOctal());
        assertEquals(FileKind.EPOLL, r.fd(7).kind());
        assertEquals("anon_inode:[eventpoll]", r.fd(7).path());
    }

    @Test
    void classification() {
        assertEquals(FileKind.FIFO, FileInspector.classify("pipefifo_fops", OpenFile.S_IFIFO, 0, "ext4", "/run/fifo"));
        assertEquals(FileKind.PTY, FileInspector.classify("tty_fops", OpenFile.S_IFCHR, (136 << 20) | 3, "devpts", "/dev/pts/3"));
        assertEquals(FileKind.PTY, FileInspector.classify(null, OpenFile.S_IFCHR, (5 << 20) | 2, "devtmpfs", "/dev/ptmx"));
        assertEquals(FileKind.CHAR_DEVICE, FileInspector.classify("null_fops", OpenFile.S_IFCHR, (1 << 20) | 3, "devtmpfs", "/dev/null"));
        assertEquals(FileKind.MEMFD, FileInspector.classify("shmem_file_operations", OpenFile.S_IFREG, 0, "tmpfs", "/memfd:x (deleted)"));
        assertEquals(FileKind.REGULAR, FileInspector.classify("shmem_file_operations", OpenFile.S_IFREG, 0, "tmpfs", "/tmp/memfd:x (deleted)"));
        assertEquals(FileKind.SYSV_SHM, FileInspector.classify("shm_file_operations", OpenFile.S_IFREG, 0, "tmpfs", "/SYSV00000001 (deleted)"));
        assertEquals(FileKind.DIRECTORY, FileInspector.classify("ext4_dir_operations", OpenFile.S_IFDIR, 0, "ext4", "/"));
        assertEquals(FileKind.ANON_INODE_OTHER, FileInspector.classify("pidfd_fops", 0600, 0, "anon_inodefs", "anon_inode:[pidfd]"));
    }
}
