package org.otherworld.vmtest.campaign;

/**
 * What became of one fault-injection run, in the classes of the Otherworld and ReHype evaluations. A
 * run is "manifested" when the fault showed at all (everything but {@link #NOT_MANIFESTED} and
 * {@link #INVALID}); the crash kernel "booted" in the last four classes.
 */
public enum Outcome {
    /** No panic within the bound, and the workloads are still fine. */
    NOT_MANIFESTED("fault not manifested"),
    /** No panic, but the guest or a workload is broken (an undetected failure). */
    SILENT_FAILURE("silent failure"),
    /** The kernel panicked but the crash kernel never reported in. */
    CRASH_KERNEL_NO_BOOT("crash kernel did not boot"),
    /** The crash kernel ran but a resurrection phase failed (extraction, images, handover, restore). */
    RESURRECTION_FAILED("resurrection failed"),
    /** The workloads run again after resurrection, but a workload's own state check fails. */
    DATA_CORRUPTION("application data corruption"),
    /**
     * The process the kernel failed in (current on the panicking CPU) was a workload and, registering no
     * crash procedure, was not resurrected (the faulty-process rule, as designed); every other (innocent)
     * workload runs on with its state verified. Counts as a success.
     */
    FAULTY_LOST("faulty process lost by design"),
    /** Every workload runs on with its state verified. */
    SUCCESS("successful resurrection"),
    /** The run did not get to inject its fault (the harness failed before): excluded from all rates. */
    INVALID("invalid run (harness error)");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The fault showed (the run counts toward manifested-fault rates). */
    public boolean manifested() {
        return this != NOT_MANIFESTED && this != INVALID;
    }

    /** The crash kernel came up: the denominator of our success rate. */
    public boolean crashKernelBooted() {
        return this == RESURRECTION_FAILED || this == DATA_CORRUPTION || this == FAULTY_LOST || this == SUCCESS;
    }

    /** Every innocent workload continued with verified state (the numerator of our success rate). */
    public boolean success() {
        return this == SUCCESS || this == FAULTY_LOST;
    }

    public static Outcome parse(String name) {
        return valueOf(name);
    }
}
