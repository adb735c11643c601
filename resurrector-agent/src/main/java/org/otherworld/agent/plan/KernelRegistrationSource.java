package org.otherworld.agent.plan;

import java.util.Optional;
import org.otherworld.agent.task.ProcessModel;

/**
 * Hook for registrations a patched kernel keeps in the task itself ({@code prctl(PR_SET_OTHERWORLD)},
 * docs/sdk.md "Kernel interface"). A stock kernel has no such field: {@link #NONE} answers nothing and
 * the durable records are the only source. An implementation for a patched kernel reads the field
 * through the dead kernel's BTF (e.g. a {@code task_struct} member) and returns the registration.
 */
@FunctionalInterface
public interface KernelRegistrationSource {
    /** A stock kernel: no registration in the task. */
    KernelRegistrationSource NONE = p -> Optional.empty();

    /** The registration recorded in the dead kernel for {@code process}, if any. */
    Optional<Registration> registration(ProcessModel process);
}
