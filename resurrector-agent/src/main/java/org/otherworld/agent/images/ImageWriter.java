package org.otherworld.agent.images;

import com.google.protobuf.ByteString;
import org.otherworld.agent.images.proto.CoreEntry;
import org.otherworld.agent.images.proto.CredsEntry;
import org.otherworld.agent.images.proto.FdTypes;
import org.otherworld.agent.images.proto.FdinfoEntry;
import org.otherworld.agent.images.proto.FileEntry;
import org.otherworld.agent.images.proto.FsEntry;
import org.otherworld.agent.images.proto.InventoryEntry;
import org.otherworld.agent.images.proto.IpcDescEntry;
import org.otherworld.agent.images.proto.IpcShmEntry;
import org.otherworld.agent.images.proto.IpcVarEntry;
import org.otherworld.agent.images.proto.ItimerEntry;
import org.otherworld.agent.images.proto.Lsmtype;
import org.otherworld.agent.images.proto.MmEntry;
import org.otherworld.agent.images.proto.PipeDataEntry;
import org.otherworld.agent.images.proto.PstreeEntry;
import org.otherworld.agent.images.proto.SkPacketEntry;
import org.otherworld.agent.images.proto.RlimitEntry;
import org.otherworld.agent.images.proto.RseqEntry;
import org.otherworld.agent.images.proto.SaEntry;
import org.otherworld.agent.images.proto.SeccompMode;
import org.otherworld.agent.images.proto.SignalQueueEntry;
import org.otherworld.agent.images.proto.SiginfoEntry;
import org.otherworld.agent.images.proto.TaskCoreEntry;
import org.otherworld.agent.images.proto.TaskTimersEntry;
import org.otherworld.agent.images.proto.TaskKobjIdsEntry;
import org.otherworld.agent.images.proto.TaskRlimitsEntry;
import org.otherworld.agent.images.proto.ThreadCoreEntry;
import org.otherworld.agent.images.proto.ThreadInfoX86;
import org.otherworld.agent.images.proto.ThreadSasEntry;
import org.otherworld.agent.images.proto.UserDescT;
import org.otherworld.agent.images.proto.UserX86RegsEntry;
import org.otherworld.agent.images.proto.UserX86RegsMode;
import org.otherworld.agent.images.proto.VmaEntry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Writes a process tree as a CRIU 3.17 image set (see docs/image-mapping.md): inventory.img,
 * pstree.img, files.img and per process ids-, core- (per thread), mm-, pagemap-, pages-, fdinfo- and
 * fs- images. Pages are streamed from each process's {@link PageSource}; nothing but the current page
 * run is kept in memory.
 */
public final class ImageWriter {
    /** task_core_entry.task_state for a live task (TASK_ALIVE, compel/include/uapi/task-state.h). */
    public static final int TASK_ALIVE = 1;
    /** Signals whose actions CRIU does not store (SIGKILL, SIGSTOP). */
    static final int SIGKILL = 9, SIGSTOP = 19;
    /** x86-64 GDT TLS slots: GDT_ENTRY_TLS_MIN = 12, GDT_ENTRY_TLS_ENTRIES = 3. */
    static final int TLS_FIRST = 12, TLS_ENTRIES = 3;
    /** Size of a raw kernel siginfo_t. */
    public static final int SIGINFO_SIZE = 128;
    /** Kernel-object ids of the dumping "criu" itself (inventory root_ids); tasks get ids above this. */
    static final int ROOT_KOBJ_ID = 1;
    /** Namespace ids shared by every task and root_ids, so that restore creates no namespaces. */
    static final int PID_NS = 1, NET_NS = 2, IPC_NS = 3, UTS_NS = 4, MNT_NS = 5, USER_NS = 6, CGROUP_NS = 7,
            TIME_NS = 8;
    /**
     * ipc_ns_id of the tasks when the tree has an IPC namespace of its own: differs from root_ids', so
     * criu restore creates a new IPC namespace for the root (CLONE_NEWIPC) and fills it from
     * ipcns-var/shm/msg/sem-{@value}.img.
     */
    public static final int OWN_IPC_NS = 9;
    /**
     * Id of the timens image that holds the clocks at the dump for a tree that shares criu's time
     * namespace (criu/cr-dump.c writes {@code dump_time_ns(0)}; cr-restore.c reads {@code prepare_timens(0)}).
     */
    public static final int DUMP_CLOCKS_NS_ID = 0;
    private static final int MAX_PROCESSES = 1 << 16;

    private final XsaveLayout xsaveLayout;

    /** @param xsaveLayout the XSAVE layout of the machine the thread states come from */
    private static final ItimerEntry DISARMED = ItimerEntry.newBuilder().setIsec(0).setIusec(0).setVsec(0).setVusec(0).build();
    /** All three itimers disarmed (the process model does not read them yet). */
    private static final TaskTimersEntry DISARMED_TIMERS = TaskTimersEntry.newBuilder().setReal(DISARMED)
            .setVirt(DISARMED).setProf(DISARMED).build();

    public ImageWriter(XsaveLayout xsaveLayout) {
        this.xsaveLayout = xsaveLayout;
    }

    /**
     * Writes the image set for {@code processes} (parents before children) into {@code dir}, which is
     * created if needed.
     *
     * @throws IllegalArgumentException for an inconsistent tree (duplicate pids, missing parent, pages
     *                                  outside VMAs or out of order, relative paths)
     */
    public WriteResult write(Path dir, List<ProcessImage> processes) throws IOException {
        return write(dir, processes, null);
    }

    /**
     * Writes the image set for {@code processes} (parents before children) into {@code dir}; with
     * {@code ipcNs} non-null every process is placed in that IPC namespace of its own (criu restore
     * creates it, with its sysctls and SysV shm segments, before the tasks), else in criu's.
     *
     * @throws IllegalArgumentException for an inconsistent tree (duplicate pids, missing parent, pages
     *                                  outside VMAs or out of order, relative paths, a SysV shm attach
     *                                  whose segment is not in {@code ipcNs})
     */
    public WriteResult write(Path dir, List<ProcessImage> processes, IpcNamespaceImage ipcNs) throws IOException {
        return write(dir, processes, ipcNs, null);
    }

    /**
     * As {@link #write(Path, List, IpcNamespaceImage)}; with {@code clocks} non-null also writes
     * timens-0.img, so that criu restore (on a kernel with time namespaces) puts the tree into a time
     * namespace whose CLOCK_MONOTONIC and CLOCK_BOOTTIME continue from {@code clocks} (see
     * {@link ClockImage}).
     */
    public WriteResult write(Path dir, List<ProcessImage> processes, IpcNamespaceImage ipcNs, ClockImage clocks)
            throws IOException {
        return write(dir, processes, ipcNs, clocks, List.of());
    }

    /**
     * As {@link #write(Path, List, IpcNamespaceImage, ClockImage)}, with the shared anonymous memory objects
     * the processes' VMAs name ({@link VmaImage#shmid()}): each written as pagemap-shmem-SHMID.img and a
     * pages-N.img of its own.
     *
     * @throws IllegalArgumentException also when a VMA names an object that is not in {@code shmems}, or
     *                                  an object's key is also a SysV segment id of the set
     */
    public WriteResult write(Path dir, List<ProcessImage> processes, IpcNamespaceImage ipcNs, ClockImage clocks,
                             List<AnonShmemImage> shmems) throws IOException {
        validateTree(processes);
        validateSysv(processes, ipcNs);
        validateShmem(processes, ipcNs, shmems);
        Files.createDirectories(dir);
        List<String> names = new ArrayList<>();
        FileTable files = new FileTable();
        long pages = 0, skipped = 0, runs = 0;
        int pagesFiles = 0, pagesDirect = 0;
        String refusal = null;
        int nextKobj = ROOT_KOBJ_ID + 1;
        int pagesId = 1;
        int ipcNsId = ipcNs == null ? IPC_NS : OWN_IPC_NS;
        if (ipcNs != null) {
            writeIpcNamespace(dir, ipcNs, names);
        }
        if (clocks != null) {
            write(dir, ImageFormat.timens(DUMP_CLOCKS_NS_ID), ImageFormat.TIMENS_MAGIC, names,
                    o -> o.write(clocks.entry()));
        }
        for (ProcessImage p : processes) {
            int kobj = nextKobj++;
            TaskKobjIdsEntry ids = ids(kobj, ipcNsId);
            write(dir, ImageFormat.ids(p.pid()), ImageFormat.IDS_MAGIC, names, o -> o.write(ids));
            for (ThreadImage t : p.threads()) {
                CoreEntry core = core(p, t, t.tid() == p.pid());
                write(dir, ImageFormat.core(t.tid()), ImageFormat.CORE_MAGIC, names, o -> o.write(core));
            }
            MmEntry mm = mm(p.mm(), files);
            write(dir, ImageFormat.mm(p.pid()), ImageFormat.MM_MAGIC, names, o -> o.write(mm));
            PagesWriter pw = new PagesWriter(dir, p.pid(), pagesId, p.mm().vmas());
            try (pw) {
                p.pages().forEachPage(pw);
            }
            pages += pw.written();
            skipped += pw.skipped();
            runs += pw.entries();
            pagesFiles++;
            pagesDirect += pw.direct() ? 1 : 0;
            refusal = refusal != null ? refusal : pw.directRefusal();
            names.add(ImageFormat.pagemap(p.pid()));
            names.add(ImageFormat.pages(pagesId++));
            List<FdinfoEntry> fds = new ArrayList<>();
            for (FdImage fd : p.fds()) {
                fds.add(FdinfoEntry.newBuilder().setId(files.idOf(fd.file()))
                        .setFlags(fd.cloexec() ? FdImage.FD_CLOEXEC : 0).setType(FileTable.fdType(fd.file()))
                        .setFd(fd.fd()).build());
            }
            write(dir, ImageFormat.fdinfo(ids.getFilesId()), ImageFormat.FDINFO_MAGIC, names, o -> {
                for (FdinfoEntry e : fds) {
                    o.write(e);
                }
            });
            FsEntry fs = FsEntry.newBuilder().setCwdId(files.idOfPath(p.fs().cwd(), VmaStatus.O_RDONLY))
                    .setRootId(files.idOfPath(p.fs().root(), VmaStatus.O_RDONLY)).setUmask(p.fs().umask()).build();
            write(dir, ImageFormat.fs(p.pid()), ImageFormat.FS_MAGIC, names, o -> o.write(fs));
        }
        for (AnonShmemImage sh : shmems) {
            PagesWriter pw = PagesWriter.shmem(dir, sh.shmid(), sh.size(), pagesId);
            try (pw) {
                sh.pages().forEachPage(pw);
            }
            pages += pw.written();
            runs += pw.entries();
            pagesFiles++;
            pagesDirect += pw.direct() ? 1 : 0;
            names.add(ImageFormat.shmemPagemap(sh.shmid()));
            names.add(ImageFormat.pages(pagesId++));
        }
        write(dir, ImageFormat.files(), ImageFormat.FILES_MAGIC, names, o -> {
            for (FileEntry e : files.entries()) {
                o.write(e);
            }
        });
        writePipeData(dir, ImageFormat.pipesData(), ImageFormat.PIPES_DATA_MAGIC, files.pipes(), names);
        writePipeData(dir, ImageFormat.fifoData(), ImageFormat.FIFO_DATA_MAGIC, files.fifos(), names);
        if (!files.ttys().isEmpty()) {
            // criu/tty.c: a tty_info_entry per end; the bytes readable at an end in a tty_data_entry
            write(dir, ImageFormat.ttyInfo(), ImageFormat.TTY_INFO_MAGIC, names, o -> {
                for (TtyImage t : files.ttys()) {
                    o.write(FileTable.ttyInfo(t));
                }
            });
            if (files.ttys().stream().anyMatch(t -> t.unread().length > 0)) {
                write(dir, ImageFormat.ttyData(), ImageFormat.TTY_DATA_MAGIC, names, o -> {
                    for (TtyImage t : files.ttys()) {
                        if (t.unread().length > 0) {
                            o.write(org.otherworld.agent.images.proto.TtyDataEntry.newBuilder().setTtyId(t.infoId())
                                    .setData(com.google.protobuf.ByteString.copyFrom(t.unread())).build());
                        }
                    }
                });
            }
        }
        if (!files.packets().isEmpty()) {
            // criu/sk-queue.c: sk_packet_entry {id_for = the receiving socket's file id, length}, then the bytes
            write(dir, ImageFormat.skQueues(), ImageFormat.SK_QUEUES_MAGIC, names, o -> {
                for (FileTable.Packet p : files.packets()) {
                    o.write(SkPacketEntry.newBuilder().setIdFor(p.idFor()).setLength(p.data().length).build());
                    o.writeRaw(p.data());
                }
            });
        }
        for (InetSocketImage s : files.inetSockets()) {
            if (s.established()) {
                names.add(InetSockets.writeStream(dir, s));
            }
        }
        write(dir, ImageFormat.pstree(), ImageFormat.PSTREE_MAGIC, names, o -> {
            for (ProcessImage p : processes) {
                int ppid = p == processes.get(0) ? 0 : p.ppid(); // CRIU: the root's parent is outside the tree
                PstreeEntry.Builder b = PstreeEntry.newBuilder().setPid(p.pid()).setPpid(ppid).setPgid(p.pgid())
                        .setSid(p.sid());
                p.threads().forEach(t -> b.addThreads(t.tid()));
                o.write(b.build());
            }
        });
        InventoryEntry inv = InventoryEntry.newBuilder().setImgVersion(ImageFormat.IMAGES_V1_1).setFdinfoPerId(true)
                .setRootIds(ids(ROOT_KOBJ_ID, IPC_NS)).setNsPerId(true).setLsmtype(Lsmtype.NO_LSM).build();
        write(dir, ImageFormat.inventory(), ImageFormat.INVENTORY_MAGIC, names, o -> o.write(inv));
        return new WriteResult(List.copyOf(names), pages, skipped, runs, pagesFiles, pagesDirect,
                refusal);
    }

    /**
     * pipes-data.img / fifo-data.img (criu/pipes.c dump_one_pipe_data()): per pipe a pipe_data_entry
     * with its capacity ({@code size}, restored with F_SETPIPE_SZ) followed by its unread bytes, which
     * criu vmsplices into the new pipe. Not written when the set has no such pipe.
     */
    private static void writePipeData(Path dir, String name, int magic, java.util.Collection<PipeImage> pipes,
                                      List<String> names) throws IOException {
        if (pipes.isEmpty()) {
            return;
        }
        write(dir, name, magic, names, o -> {
            for (PipeImage p : pipes) {
                o.write(PipeDataEntry.newBuilder().setPipeId((int) p.pipeId()).setBytes(p.data().length)
                        .setSize(p.size()).build());
                o.writeRaw(p.data());
            }
        });
    }

    private interface EntryWriter {
        void accept(ImageOutput o) throws IOException;
    }

    private static void write(Path dir, String name, int magic, List<String> names, EntryWriter body)
            throws IOException {
        try (ImageOutput o = ImageOutput.create(dir.resolve(name), magic)) {
            body.accept(o);
        }
        names.add(name);
    }

    private static void validateTree(List<ProcessImage> processes) {
        if (processes.isEmpty() || processes.size() > MAX_PROCESSES) {
            throw new IllegalArgumentException("process tree must hold 1.." + MAX_PROCESSES + " processes, got "
                    + processes.size());
        }
        Set<Integer> pids = new HashSet<>(), tids = new HashSet<>();
        for (ProcessImage p : processes) {
            if (p != processes.get(0) && !pids.contains(p.ppid())) {
                throw new IllegalArgumentException("process " + p.pid() + ": parent " + p.ppid()
                        + " is not earlier in the tree");
            }
            if (!pids.add(p.pid())) {
                throw new IllegalArgumentException("duplicate pid " + p.pid());
            }
            for (ThreadImage t : p.threads()) {
                if (!tids.add(t.tid())) {
                    throw new IllegalArgumentException("duplicate tid " + t.tid());
                }
            }
            long prevEnd = 0;
            for (VmaImage v : p.mm().vmas()) {
                if (Long.compareUnsigned(v.start(), prevEnd) < 0 || Long.compareUnsigned(v.end(), v.start()) <= 0
                        || ((v.start() | v.end()) & (ImageFormat.PAGE_SIZE - 1)) != 0) {
                    throw new IllegalArgumentException(String.format("process %d: bad or unsorted VMA 0x%x-0x%x",
                            p.pid(), v.start(), v.end()));
                }
                boolean fileStatus = (v.status() & (VmaStatus.FILE_PRIVATE | VmaStatus.FILE_SHARED)) != 0;
                if (fileStatus != (v.path() != null)) {
                    throw new IllegalArgumentException(String.format("process %d: VMA 0x%x-0x%x: file status 0x%x "
                            + "does not match path %s", p.pid(), v.start(), v.end(), v.status(), v.path()));
                }
                prevEnd = v.end();
            }
        }
    }

    /**
     * Kernel-object and namespace ids: private vm/files/fs/sighand per process, namespaces shared with
     * criu except the IPC namespace when it is {@link #OWN_IPC_NS}.
     */
    static TaskKobjIdsEntry ids(int kobj, int ipcNsId) {
        return TaskKobjIdsEntry.newBuilder().setVmId(kobj).setFilesId(kobj).setFsId(kobj).setSighandId(kobj)
                .setPidNsId(PID_NS).setNetNsId(NET_NS).setIpcNsId(ipcNsId).setUtsNsId(UTS_NS).setMntNsId(MNT_NS)
                .setUserNsId(USER_NS).setCgroupNsId(CGROUP_NS).setTimeNsId(TIME_NS).build();
    }

    /** Every SysV attach must name a segment of the tree's own IPC namespace. */
    private static void validateShmem(List<ProcessImage> processes, IpcNamespaceImage ipcNs, List<AnonShmemImage> shmems) {
        java.util.Map<Long, AnonShmemImage> byKey = new java.util.HashMap<>();
        for (AnonShmemImage sh : shmems) {
            if (byKey.put(sh.shmid(), sh) != null) {
                throw new IllegalArgumentException("shared anonymous memory " + sh.shmid() + " given twice");
            }
            if (ipcNs != null && sh.shmid() <= Integer.MAX_VALUE && ipcNs.segment((int) sh.shmid()) != null) {
                throw new IllegalArgumentException("shared anonymous memory key " + sh.shmid()
                        + " is also a SysV shm segment id of the set (criu keeps both in one table)");
            }
        }
        for (ProcessImage p : processes) {
            for (VmaImage v : p.mm().vmas()) {
                AnonShmemImage sh = v.anonShmem() ? byKey.get(v.shmid()) : null;
                if (v.anonShmem() && sh == null) {
                    throw new IllegalArgumentException(String.format("process %d: VMA 0x%x-0x%x maps shared anonymous "
                            + "memory %d, which is not in the set", p.pid(), v.start(), v.end(), v.shmid()));
                }
                if (sh != null && v.pgoff() + (v.end() - v.start()) > sh.size()) {
                    throw new IllegalArgumentException(String.format("process %d: VMA 0x%x-0x%x at offset 0x%x goes past "
                            + "the %d bytes of shared anonymous memory %d", p.pid(), v.start(), v.end(), v.pgoff(),
                            sh.size(), v.shmid()));
                }
            }
        }
    }

    private static void validateSysv(List<ProcessImage> processes, IpcNamespaceImage ipcNs) {
        for (ProcessImage p : processes) {
            for (VmaImage v : p.mm().vmas()) {
                if (v.sysv() != null && (ipcNs == null || ipcNs.segment(v.sysv().shmid()) == null)) {
                    throw new IllegalArgumentException(String.format("process %d: VMA 0x%x-0x%x attaches SysV shm "
                            + "segment %d, which is not in the %s", p.pid(), v.start(), v.end(), v.sysv().shmid(),
                            ipcNs == null ? "image set (no IPC namespace of its own)" : "tree's IPC namespace"));
                }
            }
        }
    }

    /**
     * ipcns-var-ID.img (the sysctls), ipcns-shm-ID.img (per segment an ipc_shm_entry without
     * in_pagemaps, followed by its contents padded to 4 bytes, as criu/ipc_ns.c restore_content() reads
     * them), and empty ipcns-msg-ID.img / ipcns-sem-ID.img.
     */
    private static void writeIpcNamespace(Path dir, IpcNamespaceImage ns, List<String> names) throws IOException {
        IpcNamespaceImage.Vars v = ns.vars();
        IpcVarEntry.Builder var = IpcVarEntry.newBuilder().setMsgCtlmax(v.msgCtlmax()).setMsgCtlmnb(v.msgCtlmnb())
                .setMsgCtlmni(v.msgCtlmni()).setAutoMsgmni(0).setShmCtlmax(v.shmCtlmax()).setShmCtlall(v.shmCtlall())
                .setShmCtlmni(v.shmCtlmni()).setShmRmidForced(v.shmRmidForced()).setMqQueuesMax(v.mqQueuesMax())
                .setMqMsgMax(v.mqMsgMax()).setMqMsgsizeMax(v.mqMsgsizeMax()).setMqMsgDefault(v.mqMsgDefault())
                .setMqMsgsizeDefault(v.mqMsgsizeDefault());
        for (int c : v.semCtls()) {
            var.addSemCtls(c);
        }
        IpcVarEntry varEntry = var.build();
        write(dir, ImageFormat.ipcVar(OWN_IPC_NS), ImageFormat.IPC_VAR_MAGIC, names, o -> o.write(varEntry));
        write(dir, ImageFormat.ipcShm(OWN_IPC_NS), ImageFormat.IPCNS_SHM_MAGIC, names, o -> {
            for (IpcNamespaceImage.ShmSegment s : ns.segments()) {
                IpcDescEntry desc = IpcDescEntry.newBuilder().setKey(s.key()).setUid(s.uid()).setGid(s.gid())
                        .setCuid(s.cuid()).setCgid(s.cgid()).setMode(s.mode()).setId(s.id()).build();
                o.write(IpcShmEntry.newBuilder().setDesc(desc).setSize(s.size()).build());
                try (java.io.InputStream in = s.contents().open()) {
                    o.writeRawPadded(in, s.size(), "SysV shm segment " + s.id());
                }
            }
        });
        write(dir, ImageFormat.ipcMsg(OWN_IPC_NS), ImageFormat.IPCNS_MSG_MAGIC, names, o -> { });
        write(dir, ImageFormat.ipcSem(OWN_IPC_NS), ImageFormat.IPCNS_SEM_MAGIC, names, o -> { });
    }

    private CoreEntry core(ProcessImage p, ThreadImage t, boolean leader) {
        CoreEntry.Builder c = CoreEntry.newBuilder().setMtype(CoreEntry.March.X86_64)
                .setThreadInfo(threadInfo(t)).setThreadCore(threadCore(p, t));
        if (leader) {
            c.setTc(taskCore(p, t));
        }
        return c.build();
    }

    private ThreadInfoX86 threadInfo(ThreadImage t) {
        X86Regs r = t.effectiveRegs();
        UserX86RegsEntry g = UserX86RegsEntry.newBuilder().setR15(r.r15()).setR14(r.r14()).setR13(r.r13())
                .setR12(r.r12()).setBp(r.bp()).setBx(r.bx()).setR11(r.r11()).setR10(r.r10()).setR9(r.r9())
                .setR8(r.r8()).setAx(r.ax()).setCx(r.cx()).setDx(r.dx()).setSi(r.si()).setDi(r.di())
                .setOrigAx(r.origAx()).setIp(r.ip()).setCs(r.cs()).setFlags(r.flags()).setSp(r.sp()).setSs(r.ss())
                .setFsBase(r.fsBase()).setGsBase(r.gsBase()).setDs(r.ds()).setEs(r.es()).setFs(r.fs()).setGs(r.gs())
                .setMode(UserX86RegsMode.NATIVE).build();
        ThreadInfoX86.Builder ti = ThreadInfoX86.newBuilder().setClearTidAddr(t.clearChildTid()).setGpregs(g)
                .setFpregs(FpuCodec.encode(t.xsave(), xsaveLayout));
        for (int i = 0; i < TLS_ENTRIES; i++) {
            ti.addTls(UserDescT.newBuilder().setEntryNumber(TLS_FIRST + i).setBaseAddr(0).setLimit(0)
                    .setSeg32Bit(false).setContentsH(false).setContentsL(false).setReadExecOnly(true)
                    .setLimitInPages(false).setSegNotPresent(true).setUsable(false));
        }
        return ti.build();
    }

    private static ThreadCoreEntry threadCore(ProcessImage p, ThreadImage t) {
        ThreadCoreEntry.Builder b = ThreadCoreEntry.newBuilder().setFutexRla(t.robustList())
                .setFutexRlaLen(t.robustList() != 0 ? ThreadImage.ROBUST_LIST_HEAD_SIZE : 0)
                .setSchedNice(0).setSchedPolicy(0).setSchedPrio(0).setBlkSigset(t.blockedSigset())
                .setCreds(creds(p.creds())).setSeccompMode(SeccompMode.disabled).setComm(t.comm());
        if (t.sigAltStack() != null) {
            SigAltStack s = t.sigAltStack();
            b.setSas(ThreadSasEntry.newBuilder().setSsSp(s.sp()).setSsSize(s.size()).setSsFlags(s.flags()));
        }
        if (!t.pendingSignals().isEmpty()) {
            b.setSignalsP(signals(t.pendingSignals(), "thread " + t.tid()));
        }
        RseqImage rs = t.rseq();
        if (rs != null) {
            b.setRseqEntry(RseqEntry.newBuilder().setRseqAbiPointer(rs.abiPointer()).setRseqAbiSize(rs.abiSize())
                    .setSignature(rs.signature()).setRseqCsPointer(rs.csPointer()));
        }
        return b.build();
    }

    private static TaskCoreEntry taskCore(ProcessImage p, ThreadImage leader) {
        TaskCoreEntry.Builder b = TaskCoreEntry.newBuilder().setTaskState(TASK_ALIVE).setExitCode(0)
                .setPersonality(p.personality()).setFlags(p.taskFlags()).setBlkSigset(leader.blockedSigset())
                .setComm(p.comm()).setChildSubreaper(false).setTimers(DISARMED_TIMERS);
        TaskRlimitsEntry.Builder rl = TaskRlimitsEntry.newBuilder();
        p.rlimits().forEach(r -> rl.addRlimits(RlimitEntry.newBuilder().setCur(r.cur()).setMax(r.max())));
        b.setRlimits(rl);
        if (!p.sharedPending().isEmpty()) {
            b.setSignalsS(signals(p.sharedPending(), "process " + p.pid()));
        }
        for (int sig = 1; sig <= ProcessImage.NSIG; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP) {
                continue;
            }
            SigActionImage a = p.sigactions().get(sig - 1);
            a = a == null ? SigActionImage.DEFAULT : a;
            b.addSigactions(SaEntry.newBuilder().setSigaction(a.handler()).setFlags(a.flags())
                    .setRestorer(a.restorer()).setMask(a.mask()).setCompatSigaction(false));
        }
        return b.build();
    }

    private static SignalQueueEntry signals(List<byte[]> infos, String who) {
        SignalQueueEntry.Builder q = SignalQueueEntry.newBuilder();
        for (byte[] si : infos) {
            if (si.length != SIGINFO_SIZE) {
                throw new IllegalArgumentException(who + ": siginfo of " + si.length + " bytes, expected " + SIGINFO_SIZE);
            }
            q.addSignals(SiginfoEntry.newBuilder().setSiginfo(ByteString.copyFrom(si)));
        }
        return q.build();
    }

    static CredsEntry creds(CredsImage c) {
        CredsEntry.Builder b = CredsEntry.newBuilder().setUid(c.uid()).setGid(c.gid()).setEuid(c.euid())
                .setEgid(c.egid()).setSuid(c.suid()).setSgid(c.sgid()).setFsuid(c.fsuid()).setFsgid(c.fsgid())
                .setSecbits(c.secbits());
        caps(c.capInh(), b::addCapInh);
        caps(c.capPrm(), b::addCapPrm);
        caps(c.capEff(), b::addCapEff);
        caps(c.capBnd(), b::addCapBnd);
        for (int g : c.groups()) {
            b.addGroups(g);
        }
        return b.build();
    }

    /** A 64-bit capability mask as CRIU's two u32 words (CR_CAP_SIZE = 2), low word first. */
    private static void caps(long mask, Consumer<Integer> add) {
        add.accept((int) mask);
        add.accept((int) (mask >>> 32));
    }

    private static MmEntry mm(MmImage m, FileTable files) {
        MmEntry.Builder b = MmEntry.newBuilder().setMmStartCode(m.startCode()).setMmEndCode(m.endCode())
                .setMmStartData(m.startData()).setMmEndData(m.endData()).setMmStartStack(m.startStack())
                .setMmStartBrk(m.startBrk()).setMmBrk(m.brk()).setMmArgStart(m.argStart()).setMmArgEnd(m.argEnd())
                .setMmEnvStart(m.envStart()).setMmEnvEnd(m.envEnd())
                .setExeFileId(files.idOfPath(m.exePath(), VmaStatus.O_RDONLY)).setDumpable(m.dumpable());
        for (long a : m.auxv()) {
            b.addMmSavedAuxv(a);
        }
        for (VmaImage v : m.vmas()) {
            VmaEntry.Builder e = VmaEntry.newBuilder().setStart(v.start()).setEnd(v.end()).setPgoff(v.pgoff())
                    .setShmid(0).setProt(v.prot()).setFlags(v.flags()).setStatus(v.status()).setFd(-1);
            if (v.sysv() != null) {
                e.setShmid(v.sysv().shmid()).setFdflags(v.sysv().writable() ? VmaStatus.O_RDWR : VmaStatus.O_RDONLY);
            } else if (v.anonShmem()) {
                e.setShmid(v.shmid()); // criu restore creates the object (a memfd) and maps it with its own fd
            } else if (v.path() != null) {
                boolean sharedWrite = (v.status() & VmaStatus.FILE_SHARED) != 0 && (v.prot() & VmaStatus.PROT_WRITE) != 0;
                int fdflags = sharedWrite ? VmaStatus.O_RDWR : VmaStatus.O_RDONLY;
                e.setShmid(files.idOfPath(v.path(), fdflags)).setFdflags(fdflags);
            }
            if (v.madv() != 0) {
                e.setMadv(v.madv());
            }
            b.addVmas(e);
        }
        return b.build();
    }
}
