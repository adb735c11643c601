package org.otherworld.agent.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.vmcore.MemoryAccessException;

class DPathTest {
    MiniFs fs;
    DPath dpath;
    long rootSb, rootDentry, rootMnt, etc, passwd;
    long dataSb, dataRoot, dataMnt, dataMountpoint, work, log;

    @BeforeEach
    void setUp() {
        fs = new MiniFs();
        rootSb = fs.superBlock("rootfs", 2, false);
        rootDentry = fs.dentry("/", 0, 0);
        rootMnt = fs.mount(rootSb, rootDentry, 0, 0, 1);
        etc = fs.dentry("etc", rootDentry, 0);
        passwd = fs.dentry("passwd", etc, 0);
        dataMountpoint = fs.dentry("data", rootDentry, 0);
        dataSb = fs.superBlock("ext4", 254 << 20, true);
        dataRoot = fs.dentry("/", 0, 0);
        dataMnt = fs.mount(dataSb, dataRoot, rootMnt, dataMountpoint, 28);
        work = fs.dentry("work", dataRoot, 0);
        log = fs.dentry("x.log", work, 0);
        dpath = new DPath(fs.ctx);
    }

    @Test
    void pathInsideRootMount() {
        assertEquals("/etc/passwd", dpath.path(rootMnt, passwd));
        assertEquals("/etc", dpath.path(rootMnt, etc));
        assertEquals("/", dpath.path(rootMnt, rootDentry));
    }

    @Test
    void crossesMountsUpToTheNamespaceRoot() {
        assertEquals("/data/work/x.log", dpath.path(dataMnt, log));
        assertEquals("/data", dpath.path(dataMnt, dataRoot));
    }

    @Test
    void stopsAtAGivenRoot() {
        // as seen by a task chrooted into /data
        assertEquals("/work/x.log", dpath.path(dataMnt, log, dataMnt, dataRoot));
        assertEquals("/", dpath.path(dataMnt, dataRoot, dataMnt, dataRoot));
    }

    @Test
    void unlinkedDentryGetsDeletedSuffix() {
        fs.unhash(log);
        assertTrue(dpath.isUnlinked(log));
        assertEquals("/data/work/x.log (deleted)", dpath.path(dataMnt, log));
        fs.unhash(dataRoot); // a root dentry is never "unlinked" even if unhashed
        assertFalse(dpath.isUnlinked(dataRoot));
        assertEquals("/data", dpath.path(dataMnt, dataRoot));
    }

    @Test
    void pseudoFilesystemNames() {
        long pipeSb = fs.superBlock("pipefs", 13, false);
        long pipeRoot = fs.dentry("pipe:", 0, 0);
        long pipeMnt = fs.mount(pipeSb, pipeRoot, 0, 0, 9);
        long pipeInode = fs.inode(pipeSb, 1234, OpenFile.S_IFIFO | 0600, 0);
        long pipe = fs.dentry("", 0, pipeInode);
        fs.setOps(pipe, fs.dops("pipefs_dname"));
        assertEquals("pipe:[1234]", dpath.path(pipeMnt, pipe));

        long sockInode = fs.inode(pipeSb, 77, OpenFile.S_IFSOCK | 0777, 0);
        long sock = fs.dentry("", 0, sockInode);
        fs.setOps(sock, fs.dops("sockfs_dname"));
        assertEquals("socket:[77]", dpath.path(pipeMnt, sock));

        long anon = fs.dentry("[eventfd]", 0, pipeInode);
        fs.setOps(anon, fs.dops("anon_inodefs_dname"));
        assertEquals("anon_inode:[eventfd]", dpath.path(pipeMnt, anon));

        long memfd = fs.dentry("memfd:buf", 0, pipeInode);
        fs.setOps(memfd, fs.dops("simple_dname"));
        assertEquals("/memfd:buf (deleted)", dpath.path(pipeMnt, memfd));

        // the root of a pseudo mount is named by the tree walk, not d_dname
        fs.setOps(pipeRoot, fs.dops("pipefs_dname"));
        assertEquals("/", dpath.path(pipeMnt, pipeRoot));
    }

    @Test
    void cycleIsDetected() {
        long a = fs.dentry("a", 0, 0);
        long b = fs.dentry("b", a, 0);
        fs.mem.u64(a + 24, b); // a's parent is b, b's parent is a
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> dpath.path(rootMnt, b));
        assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    }

    @Test
    void overlongChainIsBounded() {
        long d = rootDentry;
        for (int i = 0; i <= DPath.MAX_COMPONENTS; i++) {
            d = fs.dentry("d", d, 0);
        }
        long leaf = d;
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> dpath.path(rootMnt, leaf));
        assertTrue(e.getMessage().contains("more than " + DPath.MAX_COMPONENTS), e.getMessage());
    }

    @Test
    void unreadableParentIsAnError() {
        long bad = fs.dentry("bad", 0, 0);
        fs.mem.u64(bad + 24, 0xffff888077770000L);
        assertThrows(MemoryAccessException.class, () -> dpath.path(rootMnt, bad));
    }
}
