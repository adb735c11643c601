package org.otherworld.agent.files;

import java.util.ArrayList;
import java.util.List;
import org.otherworld.agent.btf.Btf;
import org.otherworld.agent.btf.BtfBuilder;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.mm.XArrayLayout;
import org.otherworld.agent.symbols.Symbol;
import org.otherworld.agent.symbols.SymbolTable;

/**
 * A tiny VFS universe for tests: synthetic BTF with the members the file readers use (own compact
 * layouts, offsets in bytes below), symbols for the recognised operation tables, and builders that
 * place dentries, mounts, inodes and files in a {@link TestMemory}.
 */
final class MiniFs {
    static final long HEAP = 0xffff888000100000L;
    static final long VMEMMAP = 0xffffea0000000000L;
    static final long SUPER_BLOCKS = 0xffffffff82000000L;
    /** 6.1 xarray layout (see the mm XArrayTest): head 8, flags 4, node shift 0 offset 1 parent 8 slots 40 marks 552. */
    static final XArrayLayout XA = new XArrayLayout(8, 4, 0, 1, 8, 40, 552, 576, 6, 27);

    static final String[] SYMBOLS = {"pipefs_dname", "sockfs_dname", "anon_inodefs_dname", "simple_dname", "ns_dname",
        "pipefifo_fops", "socket_file_ops", "eventfd_fops", "eventpoll_fops", "ext4_file_operations",
        "shmem_file_operations", "shm_file_operations", "null_fops", "super_blocks"};

    final TestMemory mem = new TestMemory();
    final TestMemory phys = new TestMemory();
    final KernelTypes types = new KernelTypes(btf());
    final SymbolTable symbols = symbols();
    final FilesContext ctx = new FilesContext(types, mem, symbols, phys, XA, p -> (p - VMEMMAP) / 64 * 4096);
    private long next = HEAP;

    static long sym(String name) {
        for (int i = 0; i < SYMBOLS.length; i++) {
            if (SYMBOLS[i].equals(name)) {
                return name.equals("super_blocks") ? SUPER_BLOCKS : 0xffffffff81000000L + 0x100L * i;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static SymbolTable symbols() {
        List<Symbol> l = new ArrayList<>();
        for (String s : SYMBOLS) {
            l.add(new Symbol(s, sym(s), 'd'));
        }
        return new SymbolTable("test", l);
    }

    long alloc(int size) {
        long a = next;
        next += (size + 63) & ~63;
        mem.zero(a, size);
        return a;
    }

    // ---- dentry operations tables for pseudo filesystems ----

    long dops(String dnameFunction) {
        long ops = alloc(16);
        mem.u64(ops + 8, sym(dnameFunction));
        return ops;
    }

    // ---- objects ----

    long string(String s) {
        long a = alloc(s.length() + 1);
        mem.str(a, s);
        return a;
    }

    /** A hashed dentry; parent 0 makes it a root (its own parent). */
    long dentry(String name, long parent, long inode) {
        long d = alloc(96);
        mem.u64(d + 24, parent == 0 ? d : parent);
        mem.u32(d + 36, name.length()).u64(d + 40, string(name));
        mem.u64(d + 48, inode);
        mem.u64(d + 16, d + 8); // d_hash.pprev != NULL: hashed
        return d;
    }

    void unhash(long dentry) {
        mem.u64(dentry + 16, 0);
    }

    void setOps(long dentry, long ops) {
        mem.u64(dentry + 56, ops);
    }

    long fsType(String name) {
        long t = alloc(16);
        mem.u64(t, string(name));
        return t;
    }

    long superBlock(String type, int dev, boolean blockDevice) {
        long sb = alloc(88);
        mem.u32(sb + 16, dev).u64(sb + 24, fsType(type));
        mem.u64(sb + 40, sb + 40).u64(sb + 48, sb + 40); // s_mounts empty
        mem.u64(sb + 56, sb + 56).u64(sb + 64, sb + 56); // s_inodes empty
        mem.u64(sb + 72, blockDevice ? 0xffff888000fff000L : 0);
        return sb;
    }

    void setRoot(long sb, long rootDentry) {
        mem.u64(sb + 32, rootDentry);
    }

    /** A struct mount of sb rooted at root, mounted on mountpoint in parent (parent 0: namespace root). Returns the vfsmount. */
    long mount(long sb, long root, long parentVfsmount, long mountpoint, int id) {
        long m = alloc(88);
        mem.u64(m + 16, parentVfsmount == 0 ? m : parentVfsmount - 32);
        mem.u64(m + 24, mountpoint == 0 ? root : mountpoint);
        mem.u64(m + 32, root).u64(m + 40, sb);
        mem.u64(m + 56, 0xffff888000ffe000L); // mnt_ns
        mem.u32(m + 80, id);
        listAdd(sb + 40, m + 64);
        return m + 32;
    }

    /** Gives an ext4 superblock a jbd2 journal whose last committed transaction is {@code commitSequence}. */
    void journal(long sb, long commitSequence) {
        long sbi = alloc(8);
        long journal = alloc(8);
        mem.u64(sb + 80, sbi);
        mem.u64(sbi, journal);
        mem.u32(journal, commitSequence);
    }

    /** An ext4 inode inside its ext4_inode_info (i_sync_tid at 48, i_datasync_tid at 52, vfs_inode at 64). */
    long ext4Inode(long sb, long ino, int mode, long size, long syncTid, long datasyncTid) {
        long ei = alloc(16);
        long i = inode(sb, ino, mode, size);
        if (i != ei + 64) {
            throw new IllegalStateException("ext4_inode_info not contiguous");
        }
        mem.u32(i - 16, syncTid).u32(i - 12, datasyncTid);
        return i;
    }

    long inode(long sb, long ino, int mode, long size) {
        long i = alloc(112);
        mem.u16(i, mode).u64(i + 8, sb).u64(i + 16, ino).u64(i + 32, size);
        mem.u64(i + 72, i + 80); // i_mapping = &i_data
        listAdd(sb + 56, i + 48);
        return i;
    }

    /** Adds dentry to inode->i_dentry (hlist via d_u.d_alias at dentry+80). */
    void alias(long inode, long dentry) {
        long head = inode + 64;
        long first = mem.readU64(head);
        mem.u64(dentry + 80, first).u64(dentry + 88, head);
        if (first != 0) {
            mem.u64(first + 8, dentry + 80);
        }
        mem.u64(head, dentry + 80);
    }

    long file(long vfsmount, long dentry, long inode, String fops, int flags, int fmode, long pos) {
        long f = alloc(56);
        mem.u64(f, vfsmount).u64(f + 8, dentry).u64(f + 16, inode).u64(f + 24, fops == null ? 0 : sym(fops));
        mem.u32(f + 32, flags).u32(f + 36, fmode).u64(f + 40, pos);
        return f;
    }

    /** Appends node to the circular list at head (initialising an all-zero head). */
    void listAdd(long head, long node) {
        if (mem.readU64(head) == 0) {
            mem.u64(head, head).u64(head + 8, head);
        }
        long last = mem.readU64(head + 8);
        mem.u64(node, head).u64(node + 8, last);
        mem.u64(last, node);
        mem.u64(head + 8, node);
    }

    // ---- BTF ----

    private static BtfBuilder.Composite m(BtfBuilder.Composite c, String name, int type, int byteOffset) {
        return c.member(name, type, byteOffset * 8);
    }

    static Btf btf() {
        BtfBuilder b = new BtfBuilder();
        int tInt = b.intType("int", 4, BtfBuilder.SIGNED);
        int tU32 = b.intType("unsigned int", 4, 0);
        int tU16 = b.intType("short unsigned int", 2, 0);
        int tS16 = b.intType("short int", 2, BtfBuilder.SIGNED);
        int tU8 = b.intType("unsigned char", 1, 0);
        int tChar = b.intType("char", 1, BtfBuilder.SIGNED | BtfBuilder.CHAR);
        int tLong = b.intType("long long int", 8, BtfBuilder.SIGNED);
        int tUlong = b.intType("long unsigned int", 8, 0);
        int voidp = b.ptr(0);

        BtfBuilder.Composite listHead = b.struct("list_head", 16);
        int lhp = b.ptr(listHead.id());
        m(m(listHead, "next", lhp, 0), "prev", lhp, 8);
        BtfBuilder.Composite hnode = b.struct("hlist_node", 16);
        int hnp = b.ptr(hnode.id());
        m(m(hnode, "next", hnp, 0), "pprev", b.ptr(hnp), 8);
        int hhead = m(b.struct("hlist_head", 8), "first", hnp, 0).id();
        BtfBuilder.Composite blnode = b.struct("hlist_bl_node", 16);
        int blp = b.ptr(blnode.id());
        m(m(blnode, "next", blp, 0), "pprev", b.ptr(blp), 8);

        int hashLen = m(m(b.struct(null, 8), "hash", tU32, 0), "len", tU32, 4).id();
        int qu = m(m(b.union(null, 8), "hash_len", tUlong, 0), "", hashLen, 0).id();
        int qstr = m(m(b.struct("qstr", 16), "", qu, 0), "name", b.ptr(tU8), 8).id();

        int xarray = m(m(m(b.struct("xarray", 16), "xa_lock", tU32, 0), "xa_flags", tU32, 4), "xa_head", voidp, 8).id();
        int aspace = m(m(m(b.struct("address_space", 32), "host", voidp, 0), "i_pages", xarray, 8), "nrpages", tUlong, 24).id();

        BtfBuilder.Composite dentry = b.struct("dentry", 96);
        BtfBuilder.Composite inode = b.struct("inode", 112);
        BtfBuilder.Composite sb = b.struct("super_block", 88);
        int dentryp = b.ptr(dentry.id());
        int inodep = b.ptr(inode.id());
        int sbp = b.ptr(sb.id());
        int dops = m(m(b.struct("dentry_operations", 16), "d_revalidate", voidp, 0), "d_dname", voidp, 8).id();
        int du = m(m(b.union(null, 16), "d_alias", hnode.id(), 0), "d_in_lookup_hash", blnode.id(), 0).id();
        m(m(m(m(m(m(m(m(m(dentry, "d_flags", tU32, 0), "d_hash", blnode.id(), 8), "d_parent", dentryp, 24),
                "d_name", qstr, 32), "d_inode", inodep, 48), "d_op", b.ptr(dops), 56), "d_sb", sbp, 64),
                "d_fsdata", voidp, 72), "d_u", du, 80);
        int iu = m(m(b.union(null, 8), "i_dentry", hhead, 0), "i_rcu", tUlong, 0).id();
        m(m(m(m(m(m(m(m(m(m(inode, "i_mode", tU16, 0), "i_sb", sbp, 8), "i_ino", tUlong, 16), "i_rdev", tU32, 24),
                "i_size", tLong, 32), "i_state", tUlong, 40), "i_sb_list", listHead.id(), 48), "", iu, 64),
                "i_mapping", b.ptr(aspace), 72), "i_data", aspace, 80);
        int fst = m(m(b.struct("file_system_type", 16), "name", b.ptr(tChar), 0), "next", voidp, 8).id();
        m(m(m(m(m(m(m(sb, "s_list", listHead.id(), 0), "s_dev", tU32, 16), "s_type", b.ptr(fst), 24),
                "s_root", dentryp, 32), "s_mounts", listHead.id(), 40), "s_inodes", listHead.id(), 56), "s_bdev", voidp, 72);
        m(sb, "s_fs_info", voidp, 80);
        int journal = m(b.struct("journal_s", 8), "j_commit_sequence", tU32, 0).id();
        m(b.struct("ext4_sb_info", 8), "s_journal", b.ptr(journal), 0);
        m(m(m(b.struct("ext4_inode_info", 176), "i_sync_tid", tU32, 48), "i_datasync_tid", tU32, 52), "vfs_inode", inode.id(), 64);
        int vfsmount = m(m(m(b.struct("vfsmount", 24), "mnt_root", dentryp, 0), "mnt_sb", sbp, 8), "mnt_flags", tInt, 16).id();
        BtfBuilder.Composite mount = b.struct("mount", 88);
        m(m(m(m(m(m(m(mount, "mnt_hash", hnode.id(), 0), "mnt_parent", b.ptr(mount.id()), 16), "mnt_mountpoint", dentryp, 24),
                "mnt", vfsmount, 32), "mnt_ns", voidp, 56), "mnt_instance", listHead.id(), 64), "mnt_id", tInt, 80);
        int path = m(m(b.struct("path", 16), "mnt", b.ptr(vfsmount), 0), "dentry", dentryp, 8).id();
        BtfBuilder.Composite file = b.struct("file", 56);
        int filep = b.ptr(file.id());
        m(m(m(m(m(m(m(file, "f_path", path, 0), "f_inode", inodep, 16), "f_op", voidp, 24), "f_flags", tU32, 32),
                "f_mode", tU32, 36), "f_pos", tLong, 40), "private_data", voidp, 48);
        int ulongp = b.ptr(tUlong);
        int fdt = m(m(m(m(b.struct("fdtable", 32), "max_fds", tU32, 0), "fd", b.ptr(filep), 8), "close_on_exec", ulongp, 16),
                "open_fds", ulongp, 24).id();
        int files = m(m(b.struct("files_struct", 16), "count", tInt, 0), "fdt", b.ptr(fdt), 8).id();
        int fs = m(m(m(m(b.struct("fs_struct", 40), "users", tInt, 0), "umask", tInt, 4), "root", path, 8), "pwd", path, 24).id();
        m(m(m(b.struct("task_struct", 24), "pid", tInt, 0), "fs", b.ptr(fs), 8), "files", b.ptr(files), 16);

        int in6 = m(b.struct("in6_addr", 16), "s6_addr", b.array(tU8, tInt, 16), 0).id();
        int skc = m(m(m(m(m(m(m(m(b.struct("sock_common", 48), "skc_daddr", tU32, 0), "skc_rcv_saddr", tU32, 4),
                "skc_dport", tU16, 8), "skc_num", tU16, 10), "skc_family", tU16, 12), "skc_state", tU8, 14),
                "skc_v6_daddr", in6, 16), "skc_v6_rcv_saddr", in6, 32).id();
        BtfBuilder.Composite sock = b.struct("sock", 56);
        int sockp = b.ptr(sock.id());
        m(m(m(sock, "__sk_common", skc, 0), "sk_type", tU16, 48), "sk_protocol", tU16, 50);
        int sun = m(m(b.struct("sockaddr_un", 110), "sun_family", tU16, 0), "sun_path", b.array(tChar, tInt, 108), 2).id();
        int uaddr = m(m(m(b.struct("unix_address", 8), "refcnt", tInt, 0), "len", tInt, 4), "name", b.array(sun, tInt, 0), 8).id();
        m(m(m(b.struct("unix_sock", 72), "sk", sock.id(), 0), "addr", b.ptr(uaddr), 56), "peer", sockp, 64);
        m(m(m(b.struct("socket", 16), "state", tInt, 0), "type", tS16, 4), "sk", sockp, 8);
        m(b.struct("eventfd_ctx", 8), "count", tUlong, 0);
        m(m(b.struct("page", 64), "flags", tUlong, 0), "index", tUlong, 8);
        b.enumType("pageflags", 4, false).value("PG_locked", 0).value("PG_referenced", 1).value("PG_uptodate", 2);
        m(b.struct("proc_ns_operations", 8), "name", b.ptr(tChar), 0);
        return Btf.parse(b.build());
    }
}
