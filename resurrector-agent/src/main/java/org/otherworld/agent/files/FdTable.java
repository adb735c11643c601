package org.otherworld.agent.files;

import java.util.ArrayList;
import java.util.List;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.vmcore.LittleEndian;
import org.otherworld.agent.vmcore.MemoryAccessException;

/**
 * The open files of one task: {@code task->files} (struct files_struct) -&gt; {@code fdt} (struct
 * fdtable: max_fds, fd[] array of struct file *, open_fds and close_on_exec bitmaps).
 *
 * <p>An fd is listed, as /proc/PID/fd lists it, when its slot in {@code fd[]} is non-NULL; the
 * open_fds bitmap is read as well and disagreements are reported in {@link Result#errors()} (a slot
 * reserved by a concurrent open has its bit set but no file yet). One unreadable file does not stop
 * the others: it is reported and skipped.
 */
public final class FdTable {
    /** Largest max_fds accepted: NR_OPEN (1 &lt;&lt; 20), the default fs.nr_open; more is implausible here. */
    public static final int MAX_FDS_LIMIT = 1 << 20;
    /** fd[] entries read per chunk. */
    private static final int CHUNK = 4096;

    /**
     * The fd table of a task.
     *
     * @param files    the open files, by ascending fd
     * @param maxFds   fdt->max_fds
     * @param filesStruct address of the files_struct (0 if the task has none, e.g. a zombie)
     * @param errors   one line per problem met (corrupt table, unreadable file ...)
     */
    public record Result(List<OpenFile> files, int maxFds, long filesStruct, List<String> errors) {
        public Result {
            files = List.copyOf(files);
            errors = List.copyOf(errors);
        }

        /** The file open on {@code fd}, or null. */
        public OpenFile fd(int fd) {
            for (OpenFile f : files) {
                if (f.fd() == fd) {
                    return f;
                }
            }
            return null;
        }
    }

    private final FilesContext ctx;
    private final FileInspector inspector;

    public FdTable(FilesContext ctx) {
        this(ctx, new FileInspector(ctx));
    }

    public FdTable(FilesContext ctx, FileInspector inspector) {
        this.ctx = ctx;
        this.inspector = inspector;
    }

    public FileInspector inspector() {
        return inspector;
    }

    /** Reads the fd table of the task_struct at {@code task}. */
    public Result read(long task) {
        return read(ctx.object("task_struct", task));
    }

    /** Reads the fd table of {@code task} (a task_struct view). */
    public Result read(KObject task) {
        long files = task.pointer("files");
        if (files == 0) {
            return new Result(List.of(), 0, 0, List.of());
        }
        return readFiles(files);
    }

    /** Reads the files_struct at {@code filesStruct}. */
    public Result readFiles(long filesStruct) {
        List<String> errors = new ArrayList<>();
        List<OpenFile> out = new ArrayList<>();
        String where = "files_struct 0x" + Long.toHexString(filesStruct);
        KObject fs = ctx.object("files_struct", filesStruct);
        KObject fdt = fs.deref("fdt");
        if (fdt == null) {
            throw new MemoryAccessException(filesStruct, where + ": fdt is NULL");
        }
        long maxFdsL = fdt.u32("max_fds");
        if (maxFdsL <= 0 || maxFdsL > MAX_FDS_LIMIT) {
            throw new MemoryAccessException(fdt.address(), where + ": implausible fdtable max_fds " + maxFdsL);
        }
        int maxFds = (int) maxFdsL;
        long fdArray = fdt.pointer("fd");
        long[] open = bitmap(fdt.pointer("open_fds"), maxFds, where + " open_fds");
        long[] cloexec = bitmap(fdt.pointer("close_on_exec"), maxFds, where + " close_on_exec");
        for (int base = 0; base < maxFds; base += CHUNK) {
            int n = Math.min(CHUNK, maxFds - base);
            // skip chunks whose open_fds words are all zero (the usual case for large tables)
            if (!anyBit(open, base, n)) {
                continue;
            }
            byte[] slots = ctx.kmem().readBytes(fdArray + 8L * base, 8 * n);
            for (int i = 0; i < n; i++) {
                int fd = base + i;
                long file = LittleEndian.u64(slots, 8 * i);
                boolean bit = bit(open, fd);
                if (file == 0) {
                    continue; // reserved (bit set, no file yet) or closed
                }
                if (!bit) {
                    errors.add(where + ": fd " + fd + " has a file but its open_fds bit is clear");
                }
                try {
                    out.add(inspector.inspect(file).withFd(fd, bit(cloexec, fd)));
                } catch (RuntimeException e) {
                    errors.add(where + ": fd " + fd + " (file 0x" + Long.toHexString(file) + "): " + e.getMessage());
                }
            }
        }
        return new Result(out, maxFds, filesStruct, errors);
    }

    private long[] bitmap(long addr, int bits, String what) {
        int words = (bits + 63) / 64;
        if (addr == 0) {
            throw new MemoryAccessException(addr, what + " bitmap pointer is NULL");
        }
        byte[] b = ctx.kmem().readBytes(addr, words * 8);
        long[] w = new long[words];
        for (int i = 0; i < words; i++) {
            w[i] = LittleEndian.u64(b, 8 * i);
        }
        return w;
    }

    private static boolean bit(long[] map, int i) {
        return (map[i >>> 6] & (1L << (i & 63))) != 0;
    }

    private static boolean anyBit(long[] map, int from, int n) {
        for (int w = from >>> 6; w <= (from + n - 1) >>> 6; w++) {
            if (map[w] != 0) {
                return true;
            }
        }
        return false;
    }
}
