package org.otherworld.agent.images;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds a small synthetic process tree for the image tests. */
final class SyntheticTree {
    private SyntheticTree() {
    }

    static final long TEXT = 0x400000, DATA = 0x600000, HEAP = 0x1000000, STACK = 0x7ffffffde000L;
    static final int PID = 100, TID2 = 101, CHILD = 102;

    /** Deterministic page contents: the address and a seed repeated. */
    static byte[] page(long va) {
        byte[] p = new byte[ImageFormat.PAGE_SIZE];
        for (int i = 0; i < p.length; i += 8) {
            long v = va + i ^ 0x5a5a5a5a5a5a5a5aL;
            for (int b = 0; b < 8; b++) {
                p[i + b] = (byte) (v >>> (8 * b));
            }
        }
        return p;
    }

    static List<Long> pageAddresses() {
        List<Long> l = new ArrayList<>();
        l.add(DATA);                       // file-private data, 1 page
        l.add(DATA + 0x1000);              // continues the run
        for (int i = 0; i < 3; i++) {
            l.add(HEAP + i * 0x1000L);     // heap: run of 3
        }
        l.add(HEAP + 0x5000);              // gap -> separate run
        l.add(STACK + 0x20000);            // stack: run of 2
        l.add(STACK + 0x21000);
        return l;
    }

    static PageSource pages(List<Long> vas) {
        return sink -> {
            for (long va : vas) {
                sink.page(va, page(va), 0);
            }
        };
    }

    static List<VmaImage> vmas() {
        int rx = VmaStatus.PROT_READ | VmaStatus.PROT_EXEC, rw = VmaStatus.PROT_READ | VmaStatus.PROT_WRITE;
        int priv = VmaStatus.MAP_PRIVATE, anon = VmaStatus.MAP_PRIVATE | VmaStatus.MAP_ANONYMOUS;
        return List.of(
                new VmaImage(TEXT, TEXT + 0x2000, 0, rx, priv, VmaStatus.AREA_REGULAR | VmaStatus.FILE_PRIVATE, "/usr/bin/demo", 0),
                new VmaImage(DATA, DATA + 0x2000, 0x2000, rw, priv, VmaStatus.AREA_REGULAR | VmaStatus.FILE_PRIVATE, "/usr/bin/demo", 0),
                new VmaImage(HEAP, HEAP + 0x21000, 0, rw, anon, VmaStatus.AREA_REGULAR | VmaStatus.ANON_PRIVATE | VmaStatus.AREA_HEAP, null, 0),
                new VmaImage(STACK, STACK + 0x22000, 0, rw, anon | VmaStatus.MAP_GROWSDOWN,
                        VmaStatus.AREA_REGULAR | VmaStatus.ANON_PRIVATE | VmaStatus.AREA_STACK, null, 0));
    }

    static MmImage mm(List<VmaImage> vmas) {
        return new MmImage(TEXT, TEXT + 0x2000, DATA, DATA + 0x2000, STACK + 0x21000, HEAP, HEAP + 0x21000,
                STACK + 0x21100, STACK + 0x21200, STACK + 0x21200, STACK + 0x21300, new long[] {6, 4096, 0, 0},
                "/usr/bin/demo", vmas, 1);
    }

    static byte[] xsave(long seed) {
        byte[] x = new byte[XsaveLayout.INTEL_AVX512.standardSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (byte) (i * 31 + seed);
        }
        // bytes CRIU does not keep must be zero to round-trip: legacy padding 416..511, xcomp_bv and
        // reserved header words, the MPX components (not in the layout's features)
        Arrays.fill(x, 416, 512, (byte) 0);
        long bv = 0x2e7;
        for (int b = 0; b < 8; b++) {
            x[512 + b] = (byte) (bv >>> (8 * b));
        }
        Arrays.fill(x, 520, 576, (byte) 0); // xcomp_bv 0 (standard format), reserved
        Arrays.fill(x, 832, 1088, (byte) 0); // gap after YMM and the MPX components
        return x;
    }

    static ThreadImage thread(int tid, String comm, long seed, boolean withXsave) {
        X86Regs r = X86Regs.of(TEXT + 0x100 + seed, STACK + 0x21000 - 8 * seed);
        byte[] siginfo = new byte[ImageWriter.SIGINFO_SIZE];
        siginfo[0] = 10; // si_signo = SIGUSR1
        return new ThreadImage(tid, comm, r, SyscallRestart.NONE, withXsave ? xsave(seed) : null, 1L << 13,
                new SigAltStack(0, 0, SigAltStack.SS_DISABLE), 0x7f0000001000L + seed, 0x7f0000002000L + seed,
                new RseqImage(0x7f0000003000L + seed, 32, 0x53053053, 0), List.of(siginfo));
    }

    static List<SigActionImage> sigactions() {
        List<SigActionImage> l = new ArrayList<>();
        for (int sig = 1; sig <= ProcessImage.NSIG; sig++) {
            l.add(sig == 10 ? new SigActionImage(TEXT + 0x500, 0x04000004L, TEXT + 0x600, 1L << 1)
                    : sig == 13 ? new SigActionImage(1, 0, 0, 0) : SigActionImage.DEFAULT);
        }
        return l;
    }

    static List<RlimitImage> rlimits() {
        List<RlimitImage> l = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            l.add(new RlimitImage(i == 7 ? 1024 : -1, i == 7 ? 4096 : -1));
        }
        return l;
    }

    static List<ProcessImage> tree() {
        FileImage log = new FileImage(FileKind.REGULAR, "/var/log/demo.log", 02101, 1234, 1234, 0100644);
        FileImage nul = new FileImage(FileKind.CHAR_DEVICE, "/dev/null", 02, 0, 0, 0020666);
        List<FdImage> fds = List.of(new FdImage(0, false, nul), new FdImage(1, false, log), new FdImage(2, false, log),
                new FdImage(3, true, new FileImage(FileKind.DIRECTORY, "/tmp", 0200000, 0, 0, 040777)));
        ProcessImage parent = new ProcessImage(PID, 1, PID, PID, "demo", 0x400040, 0,
                List.of(thread(PID, "demo", 0, true), thread(TID2, "worker", 1, false)), mm(vmas()),
                pages(pageAddresses()), fds, new FsImage("/srv", "/", 022), sigactions(), CredsImage.root(), rlimits(),
                List.of());
        ProcessImage child = new ProcessImage(CHILD, PID, PID, PID, "child", 0x400040, 0,
                List.of(thread(CHILD, "child", 2, true)), mm(vmas()), pages(List.of(HEAP)),
                List.of(new FdImage(1, false, log)), new FsImage("/", "/", 077), sigactions(),
                new CredsImage(1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0, 0, 0, (1L << 41) - 1, 0, new int[] {27, 100}),
                rlimits(), List.of());
        return List.of(parent, child);
    }
}
