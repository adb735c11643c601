package org.otherworld.agent.images;

/**
 * A signalfd as restore rebuilds it (signalfd_entry): criu 3.17 calls {@code signalfd(-1, &mask, 0)}.
 *
 * @param sigmask the accepted signals, bit {@code signo - 1} per signal (as /proc fdinfo shows it)
 */
public record SignalfdImage(long sigmask) implements FileDetail {
}
