package org.otherworld.agent.plan;

import java.util.List;
import java.util.Map;
import org.otherworld.agent.task.ProcessModel;

/**
 * The plan for one process of the dead kernel.
 *
 * @param model        what was read of it
 * @param resurrect    whether it is resurrected
 * @param reason       why (or why not), one line
 * @param registration its SDK registration, or null
 * @param faulty       whether it was running on the panicking CPU
 * @param fds          the decision for every open descriptor
 * @param unrestored   the resources it loses (descriptors the image does not restore)
 * @param blockers     what makes it impossible to rebuild (empty if nothing)
 * @param syscalls     per thread id, what happens to its system call in flight
 */
public record ProcessPlan(ProcessModel model, boolean resurrect, String reason, Registration registration,
                          boolean faulty, List<ResourceClassifier.FdDecision> fds, List<UnrestoredResource> unrestored,
                          List<String> blockers, Map<Integer, SyscallRule.Decision> syscalls) {
    public ProcessPlan {
        fds = List.copyOf(fds);
        unrestored = List.copyOf(unrestored);
        blockers = List.copyOf(blockers);
        syscalls = Map.copyOf(syscalls);
    }

    public int pid() {
        return model.pid();
    }

    /** Whether a crash procedure is registered for it. */
    public boolean crashProcedure() {
        return registration != null && registration.hasProcedure();
    }

    /** The same plan with a different outcome. */
    public ProcessPlan withOutcome(boolean newResurrect, String newReason) {
        return new ProcessPlan(model, newResurrect, newReason, registration, faulty, fds, unrestored, blockers,
                syscalls);
    }
}
