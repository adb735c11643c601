package org.otherworld.agent.images;

/** A thread's registered restartable sequence (rseq_entry); csPointer 0 when none was active. */
public record RseqImage(long abiPointer, int abiSize, int signature, long csPointer) {
}
