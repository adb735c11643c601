package org.otherworld.vmtest.trial;

/** How the harness makes the guest kernel fail. */
public enum Fault {
    /** {@code echo c > /proc/sysrq-trigger}: a deliberate panic. */
    SYSRQ("sysrq", "echo c > /proc/sysrq-trigger"),
    /** A NULL dereference inside the kernel (our ow_fault module) with panic_on_oops=1. */
    OOPS("oops", "echo 1 > /proc/sys/kernel/panic_on_oops && insmod /opt/ow/kmod/ow_fault.ko && echo null-deref > /proc/ow_fault"),
    /**
     * A hang made into a panic by the hung-task detector: /data is frozen, so the workloads' next
     * writes block in uninterruptible sleep; after hung_task_timeout_secs the detector panics.
     */
    HANG("hang", "echo 1 > /proc/sys/kernel/hung_task_panic && echo 4 > /proc/sys/kernel/hung_task_timeout_secs"
            + " && (fsfreeze --freeze /data; sh -c 'echo hang > /data/.ow-hang' &)");

    private final String label;
    private final String command;

    Fault(String label, String command) {
        this.label = label;
        this.command = command;
    }

    public String label() {
        return label;
    }

    /** The console command that triggers it (it does not return when it works). */
    public String command() {
        return command;
    }

    public static Fault parse(String s) {
        for (Fault f : values()) {
            if (f.label.equals(s)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown fault '" + s + "' (sysrq, oops, hang)");
    }
}
