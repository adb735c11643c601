package org.otherworld.sdk;

import java.time.Instant;

/**
 * Text of the durable registration record {@code registrations/<pid>-<starttime>.reg}
 * (format in {@code docs/sdk.md}; parsed by the resurrector agent).
 */
final class RegistrationRecord {
    static final int VERSION = 1;
    /** Linux signal number of SIGPWR on x86-64 ({@code <asm/signal.h>}). */
    static final int SIGPWR_NUMBER = 30;

    private RegistrationRecord() {
    }

    static String fileName(long pid, long startTime) {
        return pid + "-" + startTime + ".reg";
    }

    static String write(ProcessIdentity id, ResurrectionPolicy policy, int procedures, String delivery,
                        boolean kernel, Instant now) {
        StringBuilder b = new StringBuilder();
        b.append("# otherworld registration record\n");
        b.append("format=").append(VERSION).append('\n');
        b.append("pid=").append(id.pid()).append('\n');
        b.append("starttime=").append(id.startTime()).append('\n');
        b.append("policy=").append(policy.name()).append('\n');
        b.append("policy_code=").append(policy.code()).append('\n');
        b.append("procedures=").append(procedures).append('\n');
        b.append("exe=").append(TextCodec.escape(id.exe())).append('\n');
        b.append("cmdline=").append(TextCodec.joinFields(id.cmdline())).append('\n');
        b.append("delivery=").append(delivery).append('\n');
        b.append("signal=PWR\n");
        b.append("signal_number=").append(SIGPWR_NUMBER).append('\n');
        b.append("kernel=").append(kernel ? "prctl" : "none").append('\n');
        b.append("updated=").append(now).append('\n');
        return b.toString();
    }
}
