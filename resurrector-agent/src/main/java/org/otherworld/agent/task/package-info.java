/**
 * The process model of a dead kernel: user processes and their threads (ids, credentials, limits,
 * registers, FPU state, signal state), memory maps (VMAs from the mm's maple tree, resident page runs)
 * and the ground-truth JSON rendering the VM tests compare against /proc.
 *
 * <p>Entry point: {@link org.otherworld.agent.task.ProcessReader} over a
 * {@link org.otherworld.agent.kernel.DeadKernel}.
 */
package org.otherworld.agent.task;
