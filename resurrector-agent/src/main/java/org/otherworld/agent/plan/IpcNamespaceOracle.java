package org.otherworld.agent.plan;

import org.otherworld.agent.task.ProcessModel;

/**
 * Tells which IPC namespace a process was in, which the process model does not carry.
 * {@link DeadKernelIpc} reads it from the dead kernel ({@code task->nsproxy->ipc_ns}); tests pass a lambda.
 */
@FunctionalInterface
public interface IpcNamespaceOracle {
    /** Knows nothing: every process counts as being in the initial IPC namespace. */
    IpcNamespaceOracle INITIAL = p -> null;

    /** The IPC namespace of {@code p}, or null for the initial one (or when it cannot be read). */
    IpcNamespace of(ProcessModel p);

    /**
     * A non-initial IPC namespace.
     *
     * @param address        its struct ipc_namespace (identifies it)
     * @param shmSegments    SysV shm segments in it (ids[IPC_SHM_IDS].in_use)
     * @param messageQueues  SysV message queues in it (ids[IPC_MSG_IDS].in_use)
     * @param semaphoreSets  SysV semaphore sets in it (ids[IPC_SEM_IDS].in_use)
     */
    record IpcNamespace(long address, int shmSegments, int messageQueues, int semaphoreSets) {
        /** Why the namespace cannot be recreated faithfully, or null if it can. */
        public String blocker() {
            if (messageQueues > 0 || semaphoreSets > 0) {
                return String.format("its IPC namespace holds %d SysV message queue(s) and %d semaphore set(s), "
                        + "which are not restored", messageQueues, semaphoreSets);
            }
            return null;
        }
    }
}
