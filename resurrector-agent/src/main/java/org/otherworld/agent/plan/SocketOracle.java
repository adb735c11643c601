package org.otherworld.agent.plan;

import org.otherworld.agent.files.OpenFile;

/**
 * Tells the state of an AF_UNIX socket (and of a pipe or FIFO) behind an open file, which the process
 * model does not carry. {@link DeadKernelSockets} reads it from the dead kernel; tests pass a lambda.
 */
@FunctionalInterface
public interface SocketOracle {
    /** Knows nothing: every socket stays an unrestored resource. */
    SocketOracle UNKNOWN = f -> null;

    /** The facts of the unix socket behind {@code f}, or null if it is not one or cannot be read. */
    UnixSocketFacts unix(OpenFile f);

    /**
     * The pipe behind {@code f} (a pipe or FIFO), or null if unknown (it then stays an unrestored
     * resource). Every descriptor of one pipe must get an equal {@link PipeFacts#image()}.
     */
    default PipeFacts pipe(OpenFile f) {
        return null;
    }

    /**
     * The TCP or UDP socket behind {@code f} as it is restored, or why not; null if it is not one or
     * nothing is known (then it stays an unrestored resource).
     */
    default org.otherworld.agent.net.InetSocketRead inet(OpenFile f) {
        return null;
    }

    /**
     * The eventfd, timerfd, signalfd, epoll or inotify object behind {@code f} as it is restored, or why
     * not; null if unknown (then it stays an unrestored resource).
     */
    default EventFileFacts eventFile(OpenFile f) {
        return null;
    }

    /**
     * The pty end behind {@code f} (a /dev/ptmx master or a /dev/pts slave) as it is restored, or why not;
     * null if unknown (it then stays an unrestored resource). Both ends of a pair must get equal settings.
     */
    default TtyFacts tty(OpenFile f) {
        return null;
    }

    /**
     * The controlling terminal of {@code p} ({@code task->signal->tty}), or null if it has none or it is
     * unknown.
     */
    default ControllingTerminal controllingTerminal(org.otherworld.agent.task.ProcessModel p) {
        return null;
    }

    /**
     * A controlling terminal.
     *
     * @param name     its /dev path, e.g. /dev/pts/0 or /dev/ttyS0
     * @param ptyIndex the pty number when it is a Unix98 pty slave, else -1
     */
    record ControllingTerminal(String name, int ptyIndex) {
    }
}
