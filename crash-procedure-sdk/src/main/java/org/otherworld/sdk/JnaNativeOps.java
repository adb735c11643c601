package org.otherworld.sdk;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@link NativeOps} through JNA and glibc. The library is loaded lazily on first use so that an
 * application that never talks to the kernel does not map JNA's native stub.
 */
final class JnaNativeOps implements NativeOps {
    /** fcntl commands and flag, from Linux {@code <asm-generic/fcntl.h>}. */
    private static final int F_GETFD = 1;
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;
    /** {@code how} for sigprocmask, from Linux {@code <asm-generic/signal-defs.h>}. */
    private static final int SIG_SETMASK = 2;
    /** Size of glibc's {@code sigset_t} (1024 bits). */
    private static final int GLIBC_SIGSET_BYTES = 128;
    private static final int MAX_FDS_SCANNED = 1 << 20;

    /** The glibc functions used. */
    interface LibC extends Library {
        int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

        int prctl(int option, Pointer arg2, long arg3, long arg4, long arg5) throws LastErrorException;

        int fcntl(int fd, int cmd, int arg) throws LastErrorException;

        int sigprocmask(int how, Pointer set, Pointer oldset) throws LastErrorException;

        int execve(String path, String[] argv, String[] envp) throws LastErrorException;
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    @Override
    public int prctlSetOtherworld(int policyCode, int procedureCount) {
        try {
            Holder.LIBC.prctl(PR_SET_OTHERWORLD, policyCode, procedureCount, 0, 0);
            return 0;
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    @Override
    public int[] prctlGetOtherworld() {
        try {
            Memory count = new Memory(4);
            count.setInt(0, 0);
            int policy = Holder.LIBC.prctl(PR_GET_OTHERWORLD, count, 0, 0, 0);
            return new int[] {policy, count.getInt(0)};
        } catch (LastErrorException e) {
            return new int[] {-e.getErrorCode(), 0};
        }
    }

    @Override
    public int markCloseOnExecFrom3() {
        int marked = 0;
        int seen = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : ds) {
                if (++seen > MAX_FDS_SCANNED) {
                    break;
                }
                int fd;
                try {
                    fd = Integer.parseInt(p.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                if (fd < 3) {
                    continue;
                }
                try {
                    int flags = Holder.LIBC.fcntl(fd, F_GETFD, 0);
                    if ((flags & FD_CLOEXEC) == 0) {
                        Holder.LIBC.fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
                    }
                    marked++;
                } catch (LastErrorException e) {
                    // the descriptor used to list the directory is already closed: fine
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd: " + e.getMessage(), e);
        }
        return marked;
    }

    @Override
    public void execve(String path, List<String> argv, List<String> env) {
        try {
            // Java threads block some signals; the new image must not inherit that mask.
            Memory empty = new Memory(GLIBC_SIGSET_BYTES);
            empty.clear();
            Holder.LIBC.sigprocmask(SIG_SETMASK, empty, null);
            Holder.LIBC.execve(path, argv.toArray(new String[0]), env.toArray(new String[0]));
        } catch (LastErrorException e) {
            throw new IllegalStateException("execve " + path + " failed: errno " + e.getErrorCode(), e);
        }
        throw new IllegalStateException("execve " + path + " returned without error");
    }
}
