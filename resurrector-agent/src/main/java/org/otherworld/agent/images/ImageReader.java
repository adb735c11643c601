package org.otherworld.agent.images;

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
import org.otherworld.agent.images.proto.MmEntry;
import org.otherworld.agent.images.proto.PagemapEntry;
import org.otherworld.agent.images.proto.PagemapHead;
import org.otherworld.agent.images.proto.PstreeEntry;
import org.otherworld.agent.images.proto.RegFileEntry;
import org.otherworld.agent.images.proto.SaEntry;
import org.otherworld.agent.images.proto.SignalQueueEntry;
import org.otherworld.agent.images.proto.SiginfoEntry;
import org.otherworld.agent.images.proto.TaskCoreEntry;
import org.otherworld.agent.images.proto.TaskKobjIdsEntry;
import org.otherworld.agent.images.proto.TimensEntry;
import org.otherworld.agent.images.proto.ThreadCoreEntry;
import org.otherworld.agent.images.proto.ThreadInfoX86;
import org.otherworld.agent.images.proto.UnixSkEntry;
import org.otherworld.agent.images.proto.PipeDataEntry;
import org.otherworld.agent.images.proto.SkPacketEntry;
import org.otherworld.agent.images.proto.UserX86RegsEntry;
import org.otherworld.agent.images.proto.VmaEntry;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a CRIU image set (ours or one written by criu dump) back into {@link ProcessImage}s, checking
 * magics, framing, cross references (file ids, pagemap runs inside VMAs, pages file length) and
 * reporting the first problem as an {@link ImageFormatException} naming the file. Pages are not loaded:
 * each process's {@link PageSource} streams them from pages-N.img when asked.
 */
public final class ImageReader {
    private static final int MAX_ENTRIES = 1 << 20;
    /** Largest SysV shm segment read back into memory. */
    private static final long MAX_SHM_READ = 1L << 30;
    private final XsaveLayout xsaveLayout;

    /** @param xsaveLayout layout used to rebuild XSAVE areas from fpregs entries */
    /** Event file entries (eventfd, epoll ...) of files.img by id, for the set being read. */
    private final Map<Integer, FileImage> eventFiles = new HashMap<>();

    public ImageReader(XsaveLayout xsaveLayout) {
        this.xsaveLayout = xsaveLayout;
    }

    /** Reads the image set in {@code dir}. */
    public ImageSet read(Path dir) throws IOException {
        InventoryEntry inv;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.inventory()), ImageFormat.INVENTORY_MAGIC)) {
            inv = in.only(InventoryEntry.parser());
        }
        if (inv.getImgVersion() != ImageFormat.IMAGES_V1_1) {
            throw new ImageFormatException("inventory.img: unsupported img_version " + inv.getImgVersion());
        }
        Map<Integer, RegFileEntry> files = new HashMap<>();
        Map<Integer, UnixSkEntry> sockets = new HashMap<>();
        Map<Integer, FileImage> pipeEnds = new HashMap<>();
        List<FileEntry> pipeEntries = new ArrayList<>();
        List<org.otherworld.agent.images.proto.TtyFileEntry> ttyEntries = new ArrayList<>();
        Map<Integer, org.otherworld.agent.images.proto.InetSkEntry> inet = new HashMap<>();
        eventFiles.clear();
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.files()), ImageFormat.FILES_MAGIC)) {
            for (FileEntry f : in.all(FileEntry.parser(), MAX_ENTRIES)) {
                if (f.getType() == FdTypes.REG && f.hasReg()) {
                    files.put(f.getId(), f.getReg());
                } else if (f.getType() == FdTypes.UNIXSK && f.hasUsk()) {
                    sockets.put(f.getId(), f.getUsk());
                } else if ((f.getType() == FdTypes.PIPE && f.hasPipe()) || (f.getType() == FdTypes.FIFO && f.hasFifo())) {
                    pipeEntries.add(f);
                } else if (f.getType() == FdTypes.INETSK && f.hasIsk()) {
                    inet.put(f.getId(), f.getIsk());
                } else if (f.getType() == FdTypes.TTY && f.hasTty()) {
                    ttyEntries.add(f.getTty());
                } else {
                    FileImage ev = EventFiles.toImage(f);
                    if (ev != null) {
                        eventFiles.put(f.getId(), ev);
                    }
                }
            }
        }
        if (!pipeEntries.isEmpty()) {
            Map<Long, PipeImage> pipeData = pipeData(dir, ImageFormat.pipesData(), ImageFormat.PIPES_DATA_MAGIC);
            Map<Long, PipeImage> fifoData = pipeData(dir, ImageFormat.fifoData(), ImageFormat.FIFO_DATA_MAGIC);
            for (FileEntry f : pipeEntries) {
                if (f.hasPipe()) {
                    long pid = f.getPipe().getPipeId() & 0xffffffffL;
                    pipeEnds.put(f.getId(), FileTable.toImage(f.getPipe(), pipeData.getOrDefault(pid,
                            new PipeImage(pid, PipeImage.DEFAULT_SIZE, new byte[0]))));
                } else {
                    long pid = f.getFifo().getPipeId() & 0xffffffffL;
                    RegFileEntry r = file(files, f.getFifo().getRegfId(), "files.img fifo " + f.getId());
                    pipeEnds.put(f.getId(), FileTable.toImage(f.getFifo(), r, fifoData.getOrDefault(pid,
                            new PipeImage(pid, PipeImage.DEFAULT_SIZE, new byte[0]))));
                }
            }
        }
        if (!ttyEntries.isEmpty()) {
            Map<Integer, org.otherworld.agent.images.proto.TtyInfoEntry> infos = ttyInfos(dir);
            Map<Integer, byte[]> data = ttyData(dir);
            for (var t : ttyEntries) {
                var info = infos.get(t.getTtyInfoId());
                if (info == null) {
                    throw new ImageFormatException("files.img tty " + t.getId() + ": tty_info " + t.getTtyInfoId()
                            + " missing from tty-info.img");
                }
                RegFileEntry r = file(files, t.getRegfId(), "files.img tty " + t.getId());
                pipeEnds.put(t.getId(), FileTable.toImage(t, r, info, data.getOrDefault(t.getTtyInfoId(), new byte[0])));
            }
        }
        queues = skQueues(dir);
        List<PstreeEntry> tree;
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.pstree()), ImageFormat.PSTREE_MAGIC)) {
            tree = in.all(PstreeEntry.parser(), MAX_ENTRIES);
        }
        List<ProcessImage> out = new ArrayList<>();
        for (PstreeEntry pe : tree) {
            out.add(process(dir, pe, files, sockets, pipeEnds, inet));
        }
        IpcNamespaceImage ipc = null;
        if (!tree.isEmpty()) {
            int rootIpc = one(dir, ImageFormat.ids(tree.get(0).getPid()), ImageFormat.IDS_MAGIC,
                    TaskKobjIdsEntry.parser()).getIpcNsId();
            if (inv.hasRootIds() && rootIpc != inv.getRootIds().getIpcNsId()) {
                ipc = ipcNamespace(dir, rootIpc);
            }
        }
        ClockImage clocks = null;
        if (Files.exists(dir.resolve(ImageFormat.timens(0)))) {
            clocks = ClockImage.of(one(dir, ImageFormat.timens(0), ImageFormat.TIMENS_MAGIC, TimensEntry.parser()));
        }
        return new ImageSet(inv, List.copyOf(out), ipc, clocks);
    }

    /** ipcns-var-ID.img and ipcns-shm-ID.img (contents inline after each entry, padded to 4 bytes). */
    private static IpcNamespaceImage ipcNamespace(Path dir, int id) throws IOException {
        IpcVarEntry v = one(dir, ImageFormat.ipcVar(id), ImageFormat.IPC_VAR_MAGIC, IpcVarEntry.parser());
        IpcNamespaceImage.Vars vars = new IpcNamespaceImage.Vars(v.getSemCtlsList().stream().mapToInt(Integer::intValue)
                .toArray(), v.getMsgCtlmax(), v.getMsgCtlmnb(), v.getMsgCtlmni(), v.getShmCtlmax(), v.getShmCtlall(),
                v.getShmCtlmni(), v.getShmRmidForced(), v.getMqQueuesMax(), v.getMqMsgMax(), v.getMqMsgsizeMax(),
                v.getMqMsgDefault(), v.getMqMsgsizeDefault());
        List<IpcNamespaceImage.ShmSegment> segs = new ArrayList<>();
        String name = ImageFormat.ipcShm(id);
        Path shm = dir.resolve(name);
        if (Files.exists(shm)) {
            try (ImageInput in = ImageInput.open(shm, ImageFormat.IPCNS_SHM_MAGIC)) {
                for (IpcShmEntry e = in.next(IpcShmEntry.parser()); e != null; e = in.next(IpcShmEntry.parser())) {
                    if (segs.size() >= MAX_ENTRIES) {
                        throw new ImageFormatException(name + ": too many segments");
                    }
                    if (e.getInPagemaps()) {
                        throw new ImageFormatException(name + ": segment " + e.getDesc().getId()
                                + " keeps its contents in pagemap-shmem images (not supported)");
                    }
                    if (e.getSize() <= 0 || e.getSize() > MAX_SHM_READ) {
                        throw new ImageFormatException(name + ": segment " + e.getDesc().getId() + " has size "
                                + e.getSize());
                    }
                    byte[] data = in.raw((int) e.getSize(), (int) ((4 - e.getSize() % 4) % 4));
                    IpcDescEntry d = e.getDesc();
                    segs.add(new IpcNamespaceImage.ShmSegment(d.getId(), d.getKey(), d.getUid(), d.getGid(),
                            d.getCuid(), d.getCgid(), d.getMode(), e.getSize(),
                            () -> new java.io.ByteArrayInputStream(data)));
                }
            }
        }
        return new IpcNamespaceImage(vars, segs);
    }

    private ProcessImage process(Path dir, PstreeEntry pe, Map<Integer, RegFileEntry> files,
                                 Map<Integer, UnixSkEntry> sockets, Map<Integer, FileImage> pipeEnds,
                                 Map<Integer, org.otherworld.agent.images.proto.InetSkEntry> inet) throws IOException {
        int pid = pe.getPid();
        if (pe.getThreadsCount() == 0 || pe.getThreads(0) != pid) {
            throw new ImageFormatException("pstree.img: process " + pid + " does not list itself as first thread");
        }
        TaskKobjIdsEntry ids = one(dir, ImageFormat.ids(pid), ImageFormat.IDS_MAGIC, TaskKobjIdsEntry.parser());
        List<ThreadImage> threads = new ArrayList<>();
        TaskCoreEntry tc = null;
        CredsEntry creds = null;
        for (int tid : pe.getThreadsList()) {
            String name = ImageFormat.core(tid);
            CoreEntry core = one(dir, name, ImageFormat.CORE_MAGIC, CoreEntry.parser());
            if (core.getMtype() != CoreEntry.March.X86_64 || !core.hasThreadInfo() || !core.hasThreadCore()) {
                throw new ImageFormatException(name + ": not an x86-64 thread core (mtype " + core.getMtype() + ")");
            }
            if (tid == pid) {
                if (!core.hasTc()) {
                    throw new ImageFormatException(name + ": leader core without task_core_entry");
                }
                tc = core.getTc();
                creds = core.getThreadCore().getCreds();
            }
            threads.add(thread(tid, core.getThreadInfo(), core.getThreadCore()));
        }
        MmEntry mmEntry = one(dir, ImageFormat.mm(pid), ImageFormat.MM_MAGIC, MmEntry.parser());
        MmImage mm = mm(mmEntry, files, ImageFormat.mm(pid));
        PageSource pages = pages(dir, pid, mm.vmas());
        List<FdImage> fds = new ArrayList<>();
        Map<Integer, FileImage> descriptions = new HashMap<>();
        String fdName = ImageFormat.fdinfo(ids.getFilesId());
        try (ImageInput in = ImageInput.open(dir.resolve(fdName), ImageFormat.FDINFO_MAGIC)) {
            for (FdinfoEntry e : in.all(FdinfoEntry.parser(), MAX_ENTRIES)) {
                FileImage f;
                if (e.getType() == FdTypes.INETSK) {
                    var isk = inet.get(e.getId());
                    if (isk == null) {
                        throw new ImageFormatException(fdName + " fd " + e.getFd() + ": refers to inet socket id "
                                + e.getId() + " missing from files.img");
                    }
                    f = descriptions.get(e.getId());
                    if (f == null) {
                        f = InetSockets.toImage(isk, dir);
                        descriptions.put(e.getId(), f);
                    }
                } else if (e.getType() == FdTypes.UNIXSK) {
                    UnixSkEntry u = sockets.get(e.getId());
                    if (u == null) {
                        throw new ImageFormatException(fdName + " fd " + e.getFd() + ": refers to unix socket id "
                                + e.getId() + " missing from files.img");
                    }
                    f = descriptions.computeIfAbsent(e.getId(), k -> FileTable.toImage(u,
                            queues.getOrDefault(u.getId(), List.of())));
                } else if (e.getType() == FdTypes.TTY) {
                    f = pipeEnds.get(e.getId());
                    if (f == null || f.kind() != FileKind.TTY) {
                        throw new ImageFormatException(fdName + " fd " + e.getFd() + ": refers to tty id " + e.getId()
                                + " missing from files.img");
                    }
                } else if (eventFiles.containsKey(e.getId()) && e.getType() != FdTypes.REG) {
                    f = eventFiles.get(e.getId());
                    if (EventFiles.fdType(f.kind()) != e.getType()) {
                        throw new ImageFormatException(fdName + " fd " + e.getFd() + ": type " + e.getType() + " but id "
                                + e.getId() + " is a " + f.kind() + " in files.img");
                    }
                } else if (e.getType() == FdTypes.PIPE || e.getType() == FdTypes.FIFO) {
                    f = pipeEnds.get(e.getId());
                    if (f == null || (f.kind() == FileKind.PIPE) != (e.getType() == FdTypes.PIPE)) {
                        throw new ImageFormatException(fdName + " fd " + e.getFd() + ": refers to " + e.getType()
                                + " id " + e.getId() + " missing from files.img");
                    }
                } else {
                    RegFileEntry r = file(files, e.getId(), fdName + " fd " + e.getFd());
                    f = descriptions.computeIfAbsent(e.getId(), k -> FileTable.toImage(r));
                }
                fds.add(new FdImage(e.getFd(), (e.getFlags() & FdImage.FD_CLOEXEC) != 0, f));
            }
        }
        String fsName = ImageFormat.fs(pid);
        FsEntry fe = one(dir, fsName, ImageFormat.FS_MAGIC, FsEntry.parser());
        FsImage fs = new FsImage(file(files, fe.getCwdId(), fsName + " cwd").getName(),
                file(files, fe.getRootId(), fsName + " root").getName(), fe.getUmask());
        List<SigActionImage> sa = new ArrayList<>();
        int k = 0;
        for (int sig = 1; sig <= ProcessImage.NSIG; sig++) {
            if (sig == ImageWriter.SIGKILL || sig == ImageWriter.SIGSTOP || k >= tc.getSigactionsCount()) {
                sa.add(SigActionImage.DEFAULT);
                continue;
            }
            SaEntry s = tc.getSigactions(k++);
            sa.add(new SigActionImage(s.getSigaction(), s.getFlags(), s.getRestorer(), s.getMask()));
        }
        List<RlimitImage> rl = new ArrayList<>();
        tc.getRlimits().getRlimitsList().forEach(r -> rl.add(new RlimitImage(r.getCur(), r.getMax())));
        return new ProcessImage(pid, pe.getPpid(), pe.getPgid(), pe.getSid(), tc.getComm(), tc.getFlags(),
                tc.getPersonality(), threads, mm, pages, fds, fs, sa, creds(creds), rl, signals(tc.getSignalsS()));
    }

    private ThreadImage thread(int tid, ThreadInfoX86 ti, ThreadCoreEntry tcore) {
        UserX86RegsEntry g = ti.getGpregs();
        X86Regs regs = new X86Regs(g.getR15(), g.getR14(), g.getR13(), g.getR12(), g.getBp(), g.getBx(), g.getR11(),
                g.getR10(), g.getR9(), g.getR8(), g.getAx(), g.getCx(), g.getDx(), g.getSi(), g.getDi(), g.getOrigAx(),
                g.getIp(), g.getCs(), g.getFlags(), g.getSp(), g.getSs(), g.getFsBase(), g.getGsBase(), g.getDs(),
                g.getEs(), g.getFs(), g.getGs());
        byte[] xsave = ti.getFpregs().hasXsave() ? FpuCodec.decode(ti.getFpregs(), xsaveLayout) : null;
        SigAltStack sas = tcore.hasSas()
                ? new SigAltStack(tcore.getSas().getSsSp(), tcore.getSas().getSsSize(), tcore.getSas().getSsFlags())
                : null;
        RseqImage rseq = tcore.hasRseqEntry()
                ? new RseqImage(tcore.getRseqEntry().getRseqAbiPointer(), tcore.getRseqEntry().getRseqAbiSize(),
                        tcore.getRseqEntry().getSignature(), tcore.getRseqEntry().getRseqCsPointer())
                : null;
        return new ThreadImage(tid, tcore.getComm(), regs, SyscallRestart.NONE, xsave, tcore.getBlkSigset(), sas,
                ti.getClearTidAddr(), tcore.getFutexRla(), rseq, signals(tcore.getSignalsP()));
    }

    private static List<byte[]> signals(SignalQueueEntry q) {
        List<byte[]> l = new ArrayList<>();
        for (SiginfoEntry s : q.getSignalsList()) {
            l.add(s.getSiginfo().toByteArray());
        }
        return l;
    }

    private static CredsImage creds(CredsEntry c) {
        return new CredsImage(c.getUid(), c.getGid(), c.getEuid(), c.getEgid(), c.getSuid(), c.getSgid(),
                c.getFsuid(), c.getFsgid(), caps(c.getCapInhList()), caps(c.getCapPrmList()), caps(c.getCapEffList()),
                caps(c.getCapBndList()), c.getSecbits(), c.getGroupsList().stream().mapToInt(Integer::intValue).toArray());
    }

    private static long caps(List<Integer> words) {
        long lo = words.size() > 0 ? words.get(0) & 0xffffffffL : 0;
        long hi = words.size() > 1 ? words.get(1) & 0xffffffffL : 0;
        return lo | hi << 32;
    }

    private static MmImage mm(MmEntry m, Map<Integer, RegFileEntry> files, String name) throws ImageFormatException {
        List<VmaImage> vmas = new ArrayList<>();
        long prevEnd = 0;
        for (VmaEntry v : m.getVmasList()) {
            if (Long.compareUnsigned(v.getStart(), prevEnd) < 0 || Long.compareUnsigned(v.getEnd(), v.getStart()) <= 0) {
                throw new ImageFormatException(String.format("%s: bad or unsorted VMA 0x%x-0x%x", name, v.getStart(), v.getEnd()));
            }
            prevEnd = v.getEnd();
            boolean isFile = (v.getStatus() & (VmaStatus.FILE_PRIVATE | VmaStatus.FILE_SHARED)) != 0;
            String path = isFile ? file(files, (int) v.getShmid(), String.format("%s VMA 0x%x", name, v.getStart())).getName() : null;
            SysvShmAttach sysv = (v.getStatus() & VmaStatus.AREA_SYSVIPC) == 0 ? null
                    : new SysvShmAttach((int) v.getShmid(), v.getFdflags() == VmaStatus.O_RDWR);
            vmas.add(new VmaImage(v.getStart(), v.getEnd(), v.getPgoff(), v.getProt(), v.getFlags(), v.getStatus(),
                    path, v.getMadv(), sysv));
        }
        long[] auxv = m.getMmSavedAuxvList().stream().mapToLong(Long::longValue).toArray();
        String exe = file(files, m.getExeFileId(), name + " exe").getName();
        return new MmImage(m.getMmStartCode(), m.getMmEndCode(), m.getMmStartData(), m.getMmEndData(),
                m.getMmStartStack(), m.getMmStartBrk(), m.getMmBrk(), m.getMmArgStart(), m.getMmArgEnd(),
                m.getMmEnvStart(), m.getMmEnvEnd(), auxv, exe, vmas, m.getDumpable());
    }

    /**
     * Checks pagemap-PID.img against the VMAs and the pages file size now, and returns a source that
     * streams the pages later.
     */
    private static PageSource pages(Path dir, int pid, List<VmaImage> vmas) throws IOException {
        String name = ImageFormat.pagemap(pid);
        PagemapHead head;
        List<PagemapEntry> runs;
        try (ImageInput in = ImageInput.open(dir.resolve(name), ImageFormat.PAGEMAP_MAGIC)) {
            head = in.next(PagemapHead.parser());
            if (head == null) {
                throw new ImageFormatException(name + ": no pagemap_head");
            }
            runs = in.all(PagemapEntry.parser(), MAX_ENTRIES);
        }
        long total = 0, prevEnd = 0;
        for (PagemapEntry e : runs) {
            long end = e.getVaddr() + (long) e.getNrPages() * ImageFormat.PAGE_SIZE;
            if (Long.compareUnsigned(e.getVaddr(), prevEnd) < 0 || !insideVmas(vmas, e.getVaddr(), end)) {
                throw new ImageFormatException(String.format("%s: run 0x%x+%d pages overlaps or lies outside the VMAs",
                        name, e.getVaddr(), e.getNrPages()));
            }
            prevEnd = end;
            if ((e.getFlags() & ImageFormat.PE_PRESENT) != 0) {
                total += e.getNrPages();
            }
        }
        Path pagesFile = dir.resolve(ImageFormat.pages(head.getPagesId()));
        long size = Files.exists(pagesFile) ? Files.size(pagesFile) : -1;
        if (size != total * ImageFormat.PAGE_SIZE) {
            throw new ImageFormatException(String.format("%s: %d bytes, but %s lists %d present pages",
                    pagesFile.getFileName(), size, name, total));
        }
        return sink -> {
            byte[] page = new byte[ImageFormat.PAGE_SIZE];
            try (InputStream in = new BufferedInputStream(Files.newInputStream(pagesFile), 1 << 16)) {
                for (PagemapEntry e : runs) {
                    if ((e.getFlags() & ImageFormat.PE_PRESENT) == 0) {
                        continue;
                    }
                    for (long i = 0; i < e.getNrPages(); i++) {
                        if (in.readNBytes(page, 0, page.length) != page.length) {
                            throw new ImageFormatException(pagesFile.getFileName() + ": truncated");
                        }
                        sink.page(e.getVaddr() + i * ImageFormat.PAGE_SIZE, page, 0);
                    }
                }
            }
        };
    }

    private static boolean insideVmas(List<VmaImage> vmas, long start, long end) {
        long at = start;
        for (VmaImage v : vmas) {
            if (Long.compareUnsigned(v.start(), at) <= 0 && Long.compareUnsigned(at, v.end()) < 0) {
                at = v.end();
                if (Long.compareUnsigned(at, end) >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Queued unix messages of the set being read, by the receiving socket's file id. */
    private Map<Integer, List<byte[]>> queues = Map.of();

    /** sk-queues.img (absent: nothing queued), receiving socket id -&gt; its messages in order. */
    private static Map<Integer, List<byte[]>> skQueues(Path dir) throws IOException {
        Map<Integer, List<byte[]>> out = new HashMap<>();
        Path p = dir.resolve(ImageFormat.skQueues());
        if (!Files.exists(p)) {
            return out;
        }
        int n = 0;
        try (ImageInput in = ImageInput.open(p, ImageFormat.SK_QUEUES_MAGIC)) {
            for (SkPacketEntry e = in.next(SkPacketEntry.parser()); e != null; e = in.next(SkPacketEntry.parser())) {
                if (++n > MAX_ENTRIES || e.getLength() < 0 || e.getLength() > MAX_PACKET) {
                    throw new ImageFormatException(ImageFormat.skQueues() + ": packet " + n + " for " + e.getIdFor()
                            + " of " + e.getLength() + " bytes");
                }
                out.computeIfAbsent(e.getIdFor(), k -> new ArrayList<>()).add(in.raw(e.getLength(), 0));
            }
        }
        return out;
    }

    /** Upper bound for one queued message read back. */
    private static final int MAX_PACKET = 16 << 20;

    /** tty-info.img: tty_info id -&gt; entry. */
    private static Map<Integer, org.otherworld.agent.images.proto.TtyInfoEntry> ttyInfos(Path dir) throws IOException {
        Map<Integer, org.otherworld.agent.images.proto.TtyInfoEntry> out = new HashMap<>();
        try (ImageInput in = ImageInput.open(dir.resolve(ImageFormat.ttyInfo()), ImageFormat.TTY_INFO_MAGIC)) {
            for (var e : in.all(org.otherworld.agent.images.proto.TtyInfoEntry.parser(), MAX_ENTRIES)) {
                if (out.put(e.getId(), e) != null) {
                    throw new ImageFormatException(ImageFormat.ttyInfo() + ": tty_info " + e.getId() + " twice");
                }
            }
        }
        return out;
    }

    /** tty-data.img (absent: no data): tty_info id -&gt; the bytes readable at that end. */
    private static Map<Integer, byte[]> ttyData(Path dir) throws IOException {
        Map<Integer, byte[]> out = new HashMap<>();
        Path p = dir.resolve(ImageFormat.ttyData());
        if (!Files.exists(p)) {
            return out;
        }
        try (ImageInput in = ImageInput.open(p, ImageFormat.TTY_DATA_MAGIC)) {
            for (var e : in.all(org.otherworld.agent.images.proto.TtyDataEntry.parser(), MAX_ENTRIES)) {
                if (out.put(e.getTtyId(), e.getData().toByteArray()) != null) {
                    throw new ImageFormatException(ImageFormat.ttyData() + ": data for tty " + e.getTtyId() + " twice");
                }
            }
        }
        return out;
    }

    /** pipes-data.img or fifo-data.img (absent: no data), pipe id -&gt; pipe. */
    private static Map<Long, PipeImage> pipeData(Path dir, String name, int magic) throws IOException {
        Map<Long, PipeImage> out = new HashMap<>();
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            return out;
        }
        try (ImageInput in = ImageInput.open(p, magic)) {
            for (PipeDataEntry e = in.next(PipeDataEntry.parser()); e != null; e = in.next(PipeDataEntry.parser())) {
                if (out.size() >= MAX_ENTRIES) {
                    throw new ImageFormatException(name + ": too many entries");
                }
                int size = e.hasSize() ? e.getSize() : PipeImage.DEFAULT_SIZE;
                if (e.getBytes() < 0 || e.getBytes() > size) {
                    throw new ImageFormatException(name + ": pipe " + e.getPipeId() + " holds " + e.getBytes()
                            + " bytes, more than its capacity " + size);
                }
                long id = e.getPipeId() & 0xffffffffL;
                try {
                    out.put(id, new PipeImage(id, size, in.raw(e.getBytes(), 0)));
                } catch (IllegalArgumentException x) {
                    throw new ImageFormatException(name + ": " + x.getMessage());
                }
            }
        }
        return out;
    }

    private static RegFileEntry file(Map<Integer, RegFileEntry> files, int id, String what) throws ImageFormatException {
        RegFileEntry r = files.get(id);
        if (r == null) {
            throw new ImageFormatException(what + ": refers to file id " + id + " missing from files.img");
        }
        return r;
    }

    private static <T> T one(Path dir, String name, int magic, com.google.protobuf.Parser<T> parser) throws IOException {
        try (ImageInput in = ImageInput.open(dir.resolve(name), magic)) {
            return in.only(parser);
        }
    }
}
