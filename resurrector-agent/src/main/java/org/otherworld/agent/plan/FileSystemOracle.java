package org.otherworld.agent.plan;

import org.otherworld.agent.task.Vma;

/**
 * Tells the filesystem type of the file a VMA maps (the superblock's {@code file_system_type} name),
 * which the process model does not carry. {@link DeadKernelFileSystems} reads it from the dead kernel;
 * tests pass a lambda.
 */
@FunctionalInterface
public interface FileSystemOracle {
    /** Knows nothing: every file-backed VMA is judged by its path alone. */
    FileSystemOracle UNKNOWN = v -> null;

    /** The filesystem type of the file {@code v} maps, or null if anonymous or unknown. */
    String fsTypeOf(Vma v);
}
