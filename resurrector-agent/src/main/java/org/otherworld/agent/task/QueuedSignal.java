package org.otherworld.agent.task;

/**
 * One queued signal (struct sigqueue on a sigpending list) with its siginfo.
 *
 * @param signo si_signo
 * @param errno si_errno
 * @param code  si_code
 * @param info  the raw kernel_siginfo bytes (for a restorer to replay)
 */
public record QueuedSignal(int signo, int errno, int code, byte[] info) {
}
