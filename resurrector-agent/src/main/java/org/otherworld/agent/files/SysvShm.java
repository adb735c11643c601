package org.otherworld.agent.files;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.mm.XArray;

/**
 * SysV shared memory segments of an IPC namespace (by default the initial one, {@code init_ipc_ns}):
 * {@code ns->ids[IPC_SHM_IDS]} (struct ipc_ids) holds an idr ({@code ipcs_idr}, in 6.1 an xarray
 * {@code idr_rt} plus {@code idr_base}) of {@code struct kern_ipc_perm} pointers, each the
 * {@code shm_perm} member of a {@code struct shmid_kernel}. A segment's contents are the pages of the
 * shmem inode of its {@code shm_file}.
 *
 * <p>Processes attach a segment through a separate file per attach (do_shmat(): f_op
 * {@code shm_file_operations}, private_data a {@code struct shm_file_data} pointing at the segment's
 * shm_file); {@link #isSysvShmFile} recognises those files among VMA vm_files.
 */
public final class SysvShm {
    /** IPC_SHM_IDS (ipc/util.h): index of the shm ids in ipc_namespace.ids[]. */
    static final int IPC_SHM_IDS = 2;
    /** Most segments accepted (the idr of a namespace is bounded by IPCMNI = 32768 ... 16M). */
    static final int MAX_SEGMENTS = 1 << 16;

    /**
     * One segment.
     *
     * @param shmid   the identifier shmget() returned (kern_ipc_perm.id)
     * @param key     the IPC key (IPC_PRIVATE = 0)
     * @param uid     owner uid
     * @param gid     owner gid
     * @param cuid    creator uid
     * @param cgid    creator gid
     * @param mode    permission bits and SHM_DEST/SHM_LOCKED flags (kern_ipc_perm.mode)
     * @param seq     sequence number
     * @param size    shm_segsz
     * @param nattch  shm_nattch
     * @param cpid    creator pid (in the initial pid namespace), -1 if unknown
     * @param lpid    pid of the last shmat/shmdt, -1 if unknown
     * @param deleted whether the segment is marked deleted (IPC_RMID while attached)
     * @param kernel  address of the struct shmid_kernel
     * @param shmFile address of its shm_file (struct file)
     * @param inode   address of the shmem inode holding its pages
     */
    public record Segment(int shmid, int key, long uid, long gid, long cuid, long cgid, int mode, long seq, long size,
                          long nattch, long cpid, long lpid, boolean deleted, long kernel, long shmFile, long inode) {
    }

    /** The segments found and one line per problem met. */
    public record Result(List<Segment> segments, List<String> errors) {
        public Result {
            segments = List.copyOf(segments);
            errors = List.copyOf(errors);
        }
    }

    private final FilesContext ctx;
    private final PageCache cache;

    public SysvShm(FilesContext ctx) {
        this.ctx = ctx;
        this.cache = new PageCache(ctx);
    }

    /** The segments of the initial IPC namespace ({@code init_ipc_ns}). */
    public Result segments() {
        return segments(ctx.symbols().address("init_ipc_ns"));
    }

    /** The segments of the {@code struct ipc_namespace} at {@code ipcNs}. */
    public Result segments(long ipcNs) {
        List<String> errors = new ArrayList<>();
        List<Segment> out = new ArrayList<>();
        KObject ids = ctx.object("ipc_namespace", ipcNs).element("ids", IPC_SHM_IDS);
        long xa = ids.addressOf("ipcs_idr.idr_rt");
        List<XArray.Entry> entries = new XArray(ctx.kmem(), ctx.xarray()).maxNodes(MAX_SEGMENTS).entries(xa);
        long permOffset = ctx.types().struct("shmid_kernel").member("shm_perm").offset();
        for (XArray.Entry e : entries) {
            if (out.size() >= MAX_SEGMENTS) {
                errors.add("ipc_namespace 0x" + Long.toHexString(ipcNs) + ": more than " + MAX_SEGMENTS + " shm segments");
                break;
            }
            if (e.value()) {
                continue;
            }
            try {
                out.add(segment(e.entry() - permOffset));
            } catch (RuntimeException ex) {
                errors.add("shm idr entry " + e.index() + " (kern_ipc_perm 0x" + Long.toHexString(e.entry()) + "): "
                        + ex.getMessage());
            }
        }
        return new Result(out, errors);
    }

    /** Reads the {@code struct shmid_kernel} at {@code shp}. */
    public Segment segment(long shp) {
        KObject s = ctx.object("shmid_kernel", shp);
        KObject perm = s.member("shm_perm");
        long file = s.pointer("shm_file");
        long inode = 0;
        if (file != 0) {
            inode = ctx.object("file", file).pointer("f_inode");
        }
        return new Segment((int) perm.s32("id"), (int) perm.s32("key"), perm.u32("uid.val"), perm.u32("gid.val"),
                perm.u32("cuid.val"), perm.u32("cgid.val"), (int) perm.read("mode"), perm.read("seq"),
                s.u64("shm_segsz"), s.u64("shm_nattch"), pidNr(s.pointer("shm_cprid")),
                pidNr(s.pointer("shm_lprid")), perm.read("deleted") != 0, shp, file, inode);
    }

    /** {@code pid->numbers[0].nr}: the pid number in the initial namespace; -1 for NULL. */
    long pidNr(long pid) {
        if (pid == 0) {
            return -1;
        }
        KObject p = ctx.object("pid", pid);
        long upidNr = ctx.types().struct("upid").member("nr").offset();
        return ctx.kmem().readU32(p.addressOf("numbers") + upidNr);
    }

    /** Whether the struct file at {@code fileAddr} is a SysV shm attach file (a shmat() VMA's vm_file). */
    public boolean isSysvShmFile(long fileAddr) {
        String fops = ctx.symbolAt(ctx.object("file", fileAddr).pointer("f_op"));
        return "shm_file_operations".equals(fops) || "shm_file_operations_huge".equals(fops);
    }

    /**
     * For a SysV shm attach file, the segment's shmid ({@code shm_file_data.id}); -1 if the file is not
     * one.
     */
    public int shmidOfAttachFile(long fileAddr) {
        if (!isSysvShmFile(fileAddr)) {
            return -1;
        }
        KObject sfd = ctx.object("file", fileAddr).deref("private_data", "shm_file_data");
        return sfd == null ? -1 : (int) sfd.s32("id");
    }

    /** For a SysV shm attach file, the segment's underlying shm_file ({@code shm_file_data.file}); 0 if none. */
    public long shmFileOfAttachFile(long fileAddr) {
        if (!isSysvShmFile(fileAddr)) {
            return 0;
        }
        KObject sfd = ctx.object("file", fileAddr).deref("private_data", "shm_file_data");
        return sfd == null ? 0 : sfd.pointer("file");
    }

    /** The segment's contents (shm_segsz bytes; holes and swapped-out pages read as zeros). */
    public InputStream contents(Segment s) {
        return cache.readShmemFile(s.inode());
    }
}
