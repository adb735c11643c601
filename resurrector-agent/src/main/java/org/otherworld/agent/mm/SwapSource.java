package org.otherworld.agent.mm;

import java.util.Optional;

/** Reads swapped-out pages of the dead machine (e.g. from its swap partition), if anyone can. */
@FunctionalInterface
public interface SwapSource {
    /** The 4096 bytes of slot {@code offset} of swap area {@code type}, or empty if unavailable. */
    Optional<byte[]> readPage(int type, long offset);
}
