package org.otherworld.agent.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.otherworld.agent.files.FileKind;
import org.otherworld.agent.files.OpenFile;
import org.otherworld.agent.files.SocketInfo;
import org.otherworld.agent.task.Credentials;
import org.otherworld.agent.task.FpuProvenance;
import org.otherworld.agent.task.FpuState;
import org.otherworld.agent.task.MmInfo;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.task.PtRegs;
import org.otherworld.agent.task.SigAction;
import org.otherworld.agent.task.ThreadModel;
import org.otherworld.agent.task.Vma;
import org.otherworld.agent.task.VmaFlags;
import org.otherworld.agent.task.XsaveHeader;

/** Synthetic process models for the plan tests. */
final class Models {
    private Models() {
    }

    static PtRegs regs(long origAx, long ax, long di, long si) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String r : List.of("r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8")) {
            m.put(r, 0L);
        }
        m.put("ax", ax);
        m.put("cx", 0L);
        m.put("dx", 0L);
        m.put("si", si);
        m.put("di", di);
        m.put("orig_ax", origAx);
        m.put("ip", 0x401000L);
        m.put("cs", 0x33L);
        m.put("flags", 0x246L);
        m.put("sp", 0x7ffff000L);
        m.put("ss", 0x2bL);
        return new PtRegs(0xffffc90000001000L, m);
    }

    static ThreadModel thread(int tid, PtRegs regs) {
        byte[] xsave = new byte[576];
        return new ThreadModel(0x1000L * tid, tid, "t" + tid, 'S', 1, 0, 0, false, 0, -1, regs, 0x7f00L, 0, 0, 0, null,
                new FpuState(0, 576, 576, 3, 3, XsaveHeader.parse(xsave), FpuProvenance.EXACT, false, xsave), 0, 0, List.of(), 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, List.of());
    }

    /** A thread that was running on {@code cpu} at the crash, with the given FPU provenance. */
    static ThreadModel running(int tid, int cpu, FpuProvenance fpu, boolean crashSaveKernel) {
        byte[] xsave = new byte[576];
        return new ThreadModel(0x1000L * tid, tid, "t" + tid, 'R', 0, 0, 0, true, cpu, cpu, regs(-1, 0, 0, 0), 0x7f00L,
                0, 0, 0, "running", new FpuState(0, 576, 576, 3, 3, XsaveHeader.parse(xsave), fpu, crashSaveKernel,
                xsave), 0, 0, List.of(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of());
    }

    /** {@code p} with {@code extra} threads added. */
    static ProcessModel withThreads(ProcessModel p, ThreadModel... extra) {
        List<ThreadModel> ts = new ArrayList<>(p.threads());
        ts.addAll(List.of(extra));
        return new ProcessModel(p.task(), p.pid(), p.ppid(), p.pgid(), p.sid(), p.comm(), p.state(), p.flags(),
                p.startBoottimeNs(), p.startTimeNs(), p.startTimeTicks(), p.cred(), p.rlimits(), p.personality(),
                p.umask(), p.cwd(), p.root(), p.mm(), ts, p.vmas(), p.pages(), p.actions(), p.sharedPending(),
                p.sharedQueued(), p.files(), p.errors());
    }

    static OpenFile file(int fd, FileKind kind, String path, String fsType) {
        int mode = kind == FileKind.DIRECTORY ? OpenFile.S_IFDIR | 0755 : kind == FileKind.CHAR_DEVICE
                ? OpenFile.S_IFCHR | 0666 : OpenFile.S_IFREG | 0644;
        int rdev = path.equals("/dev/null") ? (1 << 20) | 3 : path.equals("/dev/ttyS0") ? (4 << 20) | 64 : 0;
        return new OpenFile(fd, false, 0xf000L + fd, 02, 3, 100, path, 20, 0, fd + 100, mode, 1234, 254 << 20, fsType,
                rdev, null, kind, null, path);
    }

    static OpenFile socket(int fd) {
        SocketInfo s = new SocketInfo(SocketInfo.AF_INET, SocketInfo.SOCK_STREAM, SocketInfo.IPPROTO_TCP, 10, "0.0.0.0",
                8080, null, -1, null, 0);
        return new OpenFile(fd, false, 0xe000L + fd, 02, 3, 0, "socket:[77]", 8, 0, 77, OpenFile.S_IFSOCK, 0, 8,
                "sockfs", 0, null, FileKind.SOCKET, s, "socket:[77]");
    }

    static Vma anon(long start, long end, String name) {
        return new Vma(0x100, start, end, VmaFlags.VM_READ | VmaFlags.VM_WRITE | VmaFlags.VM_MAYREAD
                | VmaFlags.VM_MAYWRITE, 0, 0, null, name, 0, 0);
    }

    static Vma fileVma(long start, long end, String path, boolean shared) {
        long f = VmaFlags.VM_READ | VmaFlags.VM_MAYREAD | (shared ? VmaFlags.VM_MAYSHARE | VmaFlags.VM_SHARED : 0);
        return new Vma(0x200, start, end, f, 0, 0xabc, path, null, 254 << 20, 12);
    }

    /** A process with one thread in nanosleep, a heap, a file mapping and the given fds and VMAs. */
    static ProcessModel process(int pid, int ppid, int sid, String comm, List<OpenFile> files, List<Vma> extraVmas) {
        List<Vma> vmas = new ArrayList<>(List.of(fileVma(0x400000, 0x401000, "/data/bin/app", false),
                anon(0x600000, 0x601000, "[heap]")));
        vmas.addAll(extraVmas);
        List<SigAction> acts = new ArrayList<>();
        for (int s = 1; s <= 64; s++) {
            acts.add(new SigAction(s, 0, 0, 0, 0));
        }
        MmInfo mm = new MmInfo(0xaaa, 0xbbb, 0x400000, 0x401000, 0, 0, 0x600000, 0x601000, 0x7ffff000, 0, 0, 0, 0,
                new long[] {0, 0}, 0, 0, 0, "/data/bin/app");
        Credentials cred = new Credentials(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, 0);
        return new ProcessModel(0x9000L + pid, pid, ppid, sid, sid, comm, 'S', 0x400000, pid * 10_000_000L, 0, pid,
                cred, List.of(), 0, 022, "/data", "/", mm, List.of(thread(pid, regs(35, -38, 0, 0))), vmas, List.of(),
                acts, 0, List.of(), files, List.of());
    }

    static ProcessModel simple(int pid, int ppid, int sid, String comm) {
        return process(pid, ppid, sid, comm, List.of(file(0, FileKind.CHAR_DEVICE, "/dev/null", "devtmpfs"),
                file(1, FileKind.REGULAR, "/data/log", "ext4")), List.of());
    }
}
