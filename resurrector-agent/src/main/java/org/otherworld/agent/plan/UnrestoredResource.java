package org.otherworld.agent.plan;

import org.otherworld.agent.task.FpuProvenance;
import org.otherworld.agent.task.ThreadModel;

/**
 * A resource of a dead process that the resurrection does not bring back, as the crash-procedure report
 * lists it (docs/sdk.md, {@code resource=} lines).
 *
 * @param fd          the descriptor, or -1 for a resource that is not a descriptor (a memory mapping, a
 *                    thread's FPU registers)
 * @param kind        one of the report kinds: tcp, udp, unix, netlink, pipe, fifo, file, eventfd, epoll,
 *                    signalfd, timerfd, inotify, terminal, device, fpu, ctty, other
 * @param description what it was, e.g. {@code tcp 10.0.0.1:5432 -> 10.0.0.2:40000 ESTABLISHED}
 * @param reason      why it is not restored
 */
public record UnrestoredResource(int fd, String kind, String description, String reason) {
    /** Kind of the FPU registers of a thread whose saved copy is stale. */
    public static final String KIND_FPU = "fpu";
    /** Kind of a controlling terminal that the restore does not give back to the process. */
    public static final String KIND_CTTY = "ctty";

    /**
     * Whether this resource is only reported, never a reason to refuse the resurrection: a stale FPU copy
     * (the process is restored with it; its crash procedure, if any, is told), a lost controlling terminal
     * (the process runs on; /dev/tty fails for it).
     */
    public boolean advisory() {
        return KIND_FPU.equals(kind) || KIND_CTTY.equals(kind);
    }

    /**
     * The controlling terminal {@code name} of a process that the restore does not give back: criu 3.17
     * makes a terminal the controlling terminal of its session leader only (TIOCSCTTY in that task, after
     * the task's children were created), and only for a pty pair it restores.
     */
    public static UnrestoredResource lostControllingTerminal(String name, boolean leader) {
        return new UnrestoredResource(-1, KIND_CTTY, "controlling terminal " + name, leader
                ? "the session leader does not hold the terminal open in a restored pty pair"
                : "criu restores a controlling terminal for the session leader only");
    }

    /**
     * The FPU registers of {@code t}, if its saved copy is {@link FpuProvenance#APPROXIMATE}; null otherwise.
     */
    public static UnrestoredResource staleFpu(ThreadModel t) {
        if (t.fpuProvenance() != FpuProvenance.APPROXIMATE) {
            return null;
        }
        String why = t.fpu().crashSaveKernel() ? "the crash FPU save did not run for it"
                : "kernel without the crash FPU save patch";
        return new UnrestoredResource(-1, KIND_FPU, "FPU/SSE/AVX registers of thread " + t.tid(),
                "running on CPU " + t.runningCpu() + " at the crash; its saved FPU state is stale (" + why + ")");
    }
}
