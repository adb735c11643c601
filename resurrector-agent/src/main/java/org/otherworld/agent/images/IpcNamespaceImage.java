package org.otherworld.agent.images;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A non-initial IPC namespace to recreate with the tree (criu restore creates it for the root task when
 * the root's ipc_ns_id differs from inventory root_ids): its sysctls (ipcns-var-ID.img) and its SysV
 * shared memory segments with their contents (ipcns-shm-ID.img). Message queues and semaphore sets are
 * written as empty images; a namespace holding any is not expressible here.
 *
 * @param vars     the namespace's IPC sysctls
 * @param segments its shm segments
 */
public record IpcNamespaceImage(Vars vars, List<ShmSegment> segments) {

    public IpcNamespaceImage {
        segments = List.copyOf(segments);
        Set<Integer> ids = new HashSet<>();
        for (ShmSegment s : segments) {
            if (!ids.add(s.id())) {
                throw new IllegalArgumentException("duplicate SysV shm id " + s.id());
            }
        }
    }

    /** The segment with IPC id {@code id}, or null. */
    public ShmSegment segment(int id) {
        return segments.stream().filter(s -> s.id() == id).findFirst().orElse(null);
    }

    /**
     * The IPC sysctls of the namespace (struct ipc_namespace; ipc_var_entry). auto_msgmni is always 0
     * (the sysctl has no effect since Linux 3.19).
     */
    public record Vars(int[] semCtls, int msgCtlmax, int msgCtlmnb, int msgCtlmni, long shmCtlmax, long shmCtlall,
                       int shmCtlmni, int shmRmidForced, int mqQueuesMax, int mqMsgMax, int mqMsgsizeMax,
                       int mqMsgDefault, int mqMsgsizeDefault) {
        /** Number of kernel.sem values (SEMMSL, SEMMNS, SEMOPM, SEMMNI). */
        public static final int SEM_CTLS = 4;

        public Vars {
            if (semCtls == null || semCtls.length != SEM_CTLS) {
                throw new IllegalArgumentException("kernel.sem needs " + SEM_CTLS + " values");
            }
            semCtls = semCtls.clone();
        }

        @Override
        public int[] semCtls() {
            return semCtls.clone();
        }
    }

    /** Opens a segment's contents: exactly {@code size} bytes. */
    @FunctionalInterface
    public interface Contents {
        InputStream open() throws IOException;
    }

    /**
     * One SysV shm segment (ipc_shm_entry + its contents).
     *
     * @param id       IPC id (restored exactly through kernel.shm_next_id)
     * @param key      IPC key (0 = IPC_PRIVATE)
     * @param uid      owner uid
     * @param gid      owner gid
     * @param cuid     creator uid
     * @param cgid     creator gid
     * @param mode     permission bits (0777)
     * @param size     shm_segsz in bytes
     * @param contents its bytes
     */
    public record ShmSegment(int id, int key, int uid, int gid, int cuid, int cgid, int mode, long size,
                             Contents contents) {
        public ShmSegment {
            if (id < 0 || size <= 0) {
                throw new IllegalArgumentException("bad SysV shm segment id " + id + " size " + size);
            }
        }
    }
}
