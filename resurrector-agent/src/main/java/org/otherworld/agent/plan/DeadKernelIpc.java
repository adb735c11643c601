package org.otherworld.agent.plan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.otherworld.agent.files.FilesContext;
import org.otherworld.agent.files.SysvShm;
import org.otherworld.agent.images.IpcNamespaceImage;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.task.ProcessModel;

/**
 * {@link IpcNamespaceOracle} over a dead kernel, and the image of a non-initial IPC namespace: its
 * sysctls from {@code struct ipc_namespace} and its SysV shm segments with their contents
 * ({@link SysvShm}), read through the BTF-typed layer.
 */
public final class DeadKernelIpc implements IpcNamespaceOracle {
    /** Indexes of ipc_namespace.ids[] (ipc/util.h: IPC_SEM_IDS, IPC_MSG_IDS, IPC_SHM_IDS). */
    static final int IPC_SEM_IDS = 0, IPC_MSG_IDS = 1, IPC_SHM_IDS = 2;

    private final DeadKernel kernel;
    private final Map<Long, IpcNamespace> byNs = new HashMap<>();
    private Long initial;

    public DeadKernelIpc(DeadKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public synchronized IpcNamespace of(ProcessModel p) {
        try {
            KObject nsproxy = kernel.object("task_struct", p.task()).deref("nsproxy");
            long ns = nsproxy == null ? 0 : nsproxy.pointer("ipc_ns");
            if (ns == 0 || ns == initialNs()) {
                return null;
            }
            return byNs.computeIfAbsent(ns, this::read);
        } catch (RuntimeException e) {
            return null; // unreadable: judged as the initial namespace (SysV memory stays a blocker)
        }
    }

    private long initialNs() {
        if (initial == null) {
            initial = kernel.symbol("init_ipc_ns");
        }
        return initial;
    }

    private IpcNamespace read(long ns) {
        KObject o = kernel.object("ipc_namespace", ns);
        return new IpcNamespace(ns, inUse(o, IPC_SHM_IDS), inUse(o, IPC_MSG_IDS), inUse(o, IPC_SEM_IDS));
    }

    private static int inUse(KObject ns, int idx) {
        return (int) ns.element("ids", idx).read("in_use");
    }

    /**
     * The image of the IPC namespace at {@code ns}: sysctls and every shm segment (contents streamed from
     * the dump when the image is written).
     *
     * @throws IOException if a segment cannot be read (the namespace would not be recreated faithfully)
     */
    public synchronized IpcNamespaceImage image(long ns) throws IOException {
        KObject o = kernel.object("ipc_namespace", ns);
        int[] sem = new int[IpcNamespaceImage.Vars.SEM_CTLS];
        for (int i = 0; i < sem.length; i++) {
            sem[i] = (int) o.elementValue("sem_ctls", i);
        }
        IpcNamespaceImage.Vars vars = new IpcNamespaceImage.Vars(sem, (int) o.read("msg_ctlmax"),
                (int) o.read("msg_ctlmnb"), (int) o.read("msg_ctlmni"), o.read("shm_ctlmax"), o.read("shm_ctlall"),
                (int) o.read("shm_ctlmni"), (int) o.read("shm_rmid_forced"), (int) o.read("mq_queues_max"),
                (int) o.read("mq_msg_max"), (int) o.read("mq_msgsize_max"), (int) o.read("mq_msg_default"),
                (int) o.read("mq_msgsize_default"));
        SysvShm shm = new SysvShm(FilesContext.of(kernel));
        SysvShm.Result r = shm.segments(ns);
        if (!r.errors().isEmpty()) {
            throw new IOException("IPC namespace 0x" + Long.toHexString(ns) + ": " + r.errors().get(0));
        }
        List<IpcNamespaceImage.ShmSegment> segs = new ArrayList<>();
        for (SysvShm.Segment s : r.segments()) {
            if (s.inode() == 0) {
                throw new IOException("SysV shm segment " + s.shmid() + " has no shm file");
            }
            segs.add(new IpcNamespaceImage.ShmSegment(s.shmid(), s.key(), (int) s.uid(), (int) s.gid(), (int) s.cuid(),
                    (int) s.cgid(), s.mode() & PERMISSION_BITS, s.size(), () -> shm.contents(s)));
        }
        return new IpcNamespaceImage(vars, segs);
    }

    /** The permission bits of kern_ipc_perm.mode (the rest are SHM_DEST / SHM_LOCKED state flags). */
    static final int PERMISSION_BITS = 0777;
}
