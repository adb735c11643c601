package org.otherworld.agent.plan;

import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.kernel.KernelTypes;
import org.otherworld.agent.task.ProcessModel;
import org.otherworld.agent.vmcore.VirtualMemory;

/**
 * The registration a patched kernel keeps in each process's {@code mm_struct} (patch 0002,
 * {@code prctl(PR_SET_OTHERWORLD, policy, nr_procedures)}): {@code otherworld_policy} (0 none,
 * 1 {@link Policy#RESURRECT_WITH_PROCEDURE}, 2 {@link Policy#NEVER_RESURRECT},
 * 3 {@link Policy#RESURRECT_EVEN_IF_PARTIAL}) and {@code otherworld_nr_procedures}, both u32, found by
 * member name through BTF. On a kernel without the members {@link #of} returns
 * {@link KernelRegistrationSource#NONE}.
 */
public final class MmRegistrationSource implements KernelRegistrationSource {
    /** Member names added by patch 0002 to struct mm_struct. */
    public static final String POLICY = "otherworld_policy";
    public static final String NR_PROCEDURES = "otherworld_nr_procedures";
    /** Source string of registrations read here ({@link Registration#source()}). */
    public static final String SOURCE = "kernel";

    private final KernelTypes types;
    private final VirtualMemory memory;

    MmRegistrationSource(KernelTypes types, VirtualMemory memory) {
        this.types = types;
        this.memory = memory;
    }

    /** The source for {@code kernel}: the mm fields if its BTF has them, else {@link #NONE}. */
    public static KernelRegistrationSource of(DeadKernel kernel) {
        return of(kernel.types(), kernel.kernelMemory());
    }

    /** As {@link #of(DeadKernel)}, from the parts (tests). */
    public static KernelRegistrationSource of(KernelTypes types, VirtualMemory memory) {
        if (!types.hasMember("mm_struct", POLICY) || !types.hasMember("mm_struct", NR_PROCEDURES)) {
            return NONE;
        }
        return new MmRegistrationSource(types, memory);
    }

    @Override
    public boolean available() {
        return true;
    }

    @Override
    public Answer lookup(ProcessModel p) {
        if (p.mm() == null || p.mm().address() == 0) {
            return Answer.unusable("process " + p.pid() + " has no mm to read " + POLICY + " from");
        }
        long code;
        long count;
        try {
            KObject mm = types.object(memory, "mm_struct", p.mm().address());
            code = mm.u32(POLICY);
            count = mm.u32(NR_PROCEDURES);
        } catch (RuntimeException e) {
            return Answer.unusable("process " + p.pid() + ": mm_struct." + POLICY + " unreadable: " + e.getMessage());
        }
        if (code == 0) {
            return Answer.unregistered();
        }
        Policy policy = Policy.ofCode((int) code);
        if (policy == null || count > Integer.MAX_VALUE) {
            return Answer.unusable("process " + p.pid() + ": mm_struct." + POLICY + " " + code + " / "
                    + NR_PROCEDURES + " " + count + " invalid");
        }
        return Answer.registered(new Registration(p.pid(), p.startTimeTicks(), policy, (int) count, "signal",
                SOURCE));
    }
}
