package org.otherworld.agent.task;

/**
 * One VMA of a dead process, as /proc/PID/maps would show it.
 *
 * @param address the struct vm_area_struct (0 for the synthetic gate VMA [vsyscall])
 * @param start   vm_start
 * @param end     vm_end (exclusive)
 * @param flags   vm_flags (see {@link VmaFlags})
 * @param pgoff   vm_pgoff (in pages)
 * @param file    the struct file mapped (vm_file), 0 for anonymous memory
 * @param path    d_path() of the mapped file, or null if anonymous
 * @param name    the name /proc gives a file-less VMA ([heap], [stack], [vdso], [vvar], [vsyscall],
 *                [anon:NAME]) or null
 * @param dev     the mapped file's s_dev (kernel encoding: major &lt;&lt; 20 | minor), 0 if anonymous
 * @param inode   the mapped file's inode number, 0 if anonymous
 * @param anonVma whether the vm_area_struct has an anon_vma: only then can it hold anonymous pages (the
 *                kernel gives a VMA one before its first copy-on-write page); true where unknown
 */
public record Vma(long address, long start, long end, long flags, long pgoff, long file, String path, String name,
                  int dev, long inode, boolean anonVma) {
    /** A VMA of which it is not known whether it has an anon_vma (taken as having one). */
    public Vma(long address, long start, long end, long flags, long pgoff, long file, String path, String name,
               int dev, long inode) {
        this(address, start, end, flags, pgoff, file, path, name, dev, inode, true);
    }

    /** Whether the VMA maps a file. */
    public boolean isFile() {
        return file != 0;
    }

    /** The "rwxp" permission string. */
    public String perms() {
        return VmaFlags.perms(flags);
    }

    /** The byte offset column of /proc/PID/maps: vm_pgoff &lt;&lt; 12 for file mappings, else 0. */
    public long offset() {
        return file != 0 ? pgoff << 12 : 0;
    }

    /** The last column of /proc/PID/maps: the file path, the special name, or "". */
    public String label() {
        return path != null ? path : name != null ? name : "";
    }

    /** "MAJ:MIN" as /proc/PID/maps prints the device ("%02x:%02x"). */
    public String devString() {
        return hex2(dev >>> 20) + ":" + hex2(dev & 0xfffff);
    }

    private static String hex2(long v) {
        String h = Long.toHexString(v);
        return h.length() < 2 ? "0" + h : h;
    }

    public long size() {
        return end - start;
    }

    public boolean contains(long va) {
        return Long.compareUnsigned(va, start) >= 0 && Long.compareUnsigned(va, end) < 0;
    }
}
