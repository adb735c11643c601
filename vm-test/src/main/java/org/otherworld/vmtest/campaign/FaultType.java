package org.otherworld.vmtest.campaign;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The campaign's fault types: software faults injected by the guest module ow_fault in a hot kernel
 * path (vfs_write), bit flips injected from outside through QEMU's gdb stub, and hangs turned into
 * panics by the kernel's lockup and hung-task detectors.
 */
public enum FaultType {
    STACK("stack", Kind.MODULE, "corrupt a word on the kernel stack near the probed function's sp"),
    BRANCH("branch", Kind.MODULE, "wrong branch: the probed function returns at once with a wrong value"),
    INSN("insn", Kind.MODULE, "deleted/changed instruction: resume 1-24 bytes past the probed address"),
    REGFLIP("regflip", Kind.MODULE, "wrong operand: flip one bit of a saved general register"),
    RANDWRITE("randwrite", Kind.MODULE, "random kernel write into the file, inode, mapping or dentry object"),
    NULL("null", Kind.MODULE, "NULL pointer: the file argument of vfs_write set to NULL"),
    DEADLOCK("deadlock", Kind.MODULE, "missing unlock: the file's inode->i_lock is taken and never released"),
    OFFBYONE("offbyone", Kind.MODULE, "off-by-one: one byte written past a kmalloc'd buffer"),
    OVERRUN("overrun", Kind.MODULE, "buffer overrun: 2-64 bytes written past a kmalloc'd buffer"),
    GDB_REG("gdb-reg", Kind.GDB, "from outside (gdb stub): flip a bit of a general register, rip or rsp while in kernel code"),
    GDB_MEM("gdb-mem", Kind.GDB, "from outside (gdb stub): flip a bit of a word on the current kernel stack"),
    SOFTLOCKUP("softlockup", Kind.HANG, "spin with preemption off; the soft-lockup detector panics (softlockup_panic=1)"),
    HARDLOCKUP("hardlockup", Kind.HANG, "spin 60 s with interrupts off; the NMI watchdog panics if it exists (hardlockup_panic=1)"),
    HUNG("hung", Kind.HANG, "freeze /data; the writers block and the hung-task detector panics (hung_task_panic=1)");

    /** How a type is injected. */
    public enum Kind { MODULE, GDB, HANG }

    private final String label;
    private final Kind kind;
    private final String description;

    FaultType(String label, Kind kind, String description) {
        this.label = label;
        this.kind = kind;
        this.description = description;
    }

    public String label() {
        return label;
    }

    public Kind kind() {
        return kind;
    }

    public String description() {
        return description;
    }

    /**
     * How long the fault may take to show before the run counts as not manifested: module faults fire
     * within a few seconds of writes, a deadlock needs the soft-lockup threshold (20 s), the hang
     * detectors need their timeouts, the gdb injector needs its random delay and retries.
     */
    public Duration manifestBound() {
        return switch (this) {
            case HARDLOCKUP -> Duration.ofSeconds(90);
            case SOFTLOCKUP, HUNG, DEADLOCK -> Duration.ofSeconds(75);
            default -> Duration.ofSeconds(60);
        };
    }

    public static FaultType parse(String s) {
        for (FaultType t : values()) {
            if (t.label.equals(s.strip())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown fault type '" + s + "' (" + String.join(", ", labels(Arrays.asList(values()))) + ")");
    }

    /** Parses a comma-separated list; "all" or an empty list means every type. */
    public static List<FaultType> parseList(List<String> items) {
        List<FaultType> out = new ArrayList<>();
        for (String item : items) {
            for (String s : item.split(",")) {
                if (s.isBlank()) {
                    continue;
                }
                if (s.strip().equals("all")) {
                    out.addAll(Arrays.asList(values()));
                } else {
                    out.add(parse(s));
                }
            }
        }
        return out.isEmpty() ? Arrays.asList(values()) : out;
    }

    static List<String> labels(List<FaultType> types) {
        return types.stream().map(FaultType::label).toList();
    }
}
