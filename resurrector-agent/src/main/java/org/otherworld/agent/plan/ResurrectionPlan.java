package org.otherworld.agent.plan;

import java.util.List;

/**
 * One resurrectable process tree: written as one CRIU image set ({@code OUT/<rootPid>/}) and restored by
 * one {@code criu restore}.
 *
 * @param rootPid    the tree's root (its parent is not resurrected)
 * @param parentPid  the root's parent in the dead kernel (the restored root is adopted by init)
 * @param processes  the processes, parents before children
 * @param shellJob   whether some process's session or process group leader is outside the tree, so
 *                   that {@code criu restore --shell-job} is needed
 */
public record ResurrectionPlan(int rootPid, int parentPid, List<ProcessPlan> processes, boolean shellJob) {
    public ResurrectionPlan {
        processes = List.copyOf(processes);
    }

    public ProcessPlan root() {
        return processes.get(0);
    }
}
