package org.otherworld.agent.plan;

import org.otherworld.agent.task.ProcessModel;

/**
 * Registrations a patched kernel keeps for each process ({@code prctl(PR_SET_OTHERWORLD)}, patch
 * {@code kernel-patches/0002}: {@code mm_struct.otherworld_policy} and {@code otherworld_nr_procedures},
 * docs/kernel-patches.md). A stock kernel has no such field: {@link #NONE} knows nothing and the durable
 * records are the only source. {@link MmRegistrationSource} reads the fields through the dead kernel's BTF.
 */
@FunctionalInterface
public interface KernelRegistrationSource {
    /** A stock kernel: nothing is known from the kernel. */
    KernelRegistrationSource NONE = p -> Answer.UNKNOWN;

    /**
     * What the kernel says about one process.
     *
     * @param known        whether the kernel's field could be read (false on a stock kernel, or when the
     *                     process's mm is unreadable or holds an invalid policy; see {@code error})
     * @param registration the registration when the kernel has one (policy 1..3), null for policy 0
     * @param error        why an existing field could not be used, or null
     */
    record Answer(boolean known, Registration registration, String error) {
        /** Nothing known (stock kernel). */
        public static final Answer UNKNOWN = new Answer(false, null, null);

        /** The kernel says: registered as {@code r}. */
        public static Answer registered(Registration r) {
            return new Answer(true, r, null);
        }

        /** The kernel says: not registered (policy 0). */
        public static Answer unregistered() {
            return new Answer(true, null, null);
        }

        /** The field exists but is unusable. */
        public static Answer unusable(String why) {
            return new Answer(false, null, why);
        }
    }

    /** Whether the dead kernel has the registration fields at all (for the report). */
    default boolean available() {
        return false;
    }

    /** The registration recorded in the dead kernel for {@code process}. */
    Answer lookup(ProcessModel process);
}
