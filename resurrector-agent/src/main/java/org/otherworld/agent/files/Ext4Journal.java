package org.otherworld.agent.files;

import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.Member;

/**
 * The commit state of an ext4 (or ext3) filesystem's jbd2 journal at the crash, and whether an inode's
 * latest metadata change is in it.
 *
 * <p>Why: a file written a few seconds before the crash can have clean page-cache pages (its data was
 * written back) while the metadata that makes the data part of the file (the block allocation, the
 * unwritten-to-written conversion of the extent, the new size, the directory entry) sits in a journal
 * transaction that had not committed. Journal recovery in the crash kernel drops that transaction, and the
 * file reads as zeros, shorter, or does not exist, although no page was dirty (measured: files written 3-4 s
 * before a sysrq crash came back empty). ext4 records in each inode the transaction of its last change
 * ({@code ext4_inode_info.i_sync_tid}, {@code i_datasync_tid}: what fsync waits for); the journal
 * ({@code journal_t.j_commit_sequence}) the last transaction whose commit record is on disk. A later tid means
 * the disk may not hold the inode as the dead kernel saw it.
 *
 * <p>Inodes read from disk while a transaction runs get that transaction's tid too (ext4_iget cannot tell
 * whether an earlier, reclaimed copy changed in it), so "pending" is conservative: the writer compares such
 * files with the disk and writes only what differs.
 */
public final class Ext4Journal {
    /** Filesystem types driven by ext4 (with a jbd2 journal when the filesystem has one). */
    public static boolean handles(String fsType) {
        return "ext4".equals(fsType) || "ext3".equals(fsType);
    }

    private final FilesContext ctx;
    private final long commitSequence;
    private final long vfsInodeOffset;
    private final Member syncTid;
    private final Member datasyncTid;

    private Ext4Journal(FilesContext ctx, long commitSequence) {
        this.ctx = ctx;
        this.commitSequence = commitSequence;
        this.vfsInodeOffset = ctx.types().struct("ext4_inode_info").member("vfs_inode").offset();
        this.syncTid = ctx.types().struct("ext4_inode_info").member("i_sync_tid");
        this.datasyncTid = ctx.types().struct("ext4_inode_info").member("i_datasync_tid");
    }

    /**
     * The journal of ext4 superblock {@code sb} ({@code EXT4_SB(sb)->s_journal}), or null when the
     * filesystem has none (then nothing can be said of its durability).
     *
     * @throws RuntimeException when the kernel's types lack ext4's structures (ext4 built as a module: its
     *     types are in the module's BTF, not vmlinux's) or the memory cannot be read
     */
    public static Ext4Journal of(FilesContext ctx, KObject sb) {
        KObject sbi = sb.deref("s_fs_info", "ext4_sb_info");
        if (sbi == null) {
            return null;
        }
        KObject journal = sbi.deref("s_journal", "journal_s");
        if (journal == null) {
            return null;
        }
        return new Ext4Journal(ctx, journal.u32("j_commit_sequence"));
    }

    /** The last committed transaction id. */
    public long commitSequence() {
        return commitSequence;
    }

    /**
     * Whether the inode's last metadata change (or, conservatively, the load of the inode) is in a
     * transaction after the last committed one.
     */
    public boolean pending(long inode) {
        KObject ei = ctx.object("ext4_inode_info", inode - vfsInodeOffset);
        return after(ei.u32(syncTid), commitSequence) || after(ei.u32(datasyncTid), commitSequence);
    }

    /** jbd2's tid_gt: {@code a} is later than {@code b} in 32-bit wrapping sequence order. */
    static boolean after(long a, long b) {
        return (int) (a - b) > 0;
    }
}
