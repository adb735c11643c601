package org.otherworld.agent.kernel;

/**
 * The dead kernel is not one this agent can read without help: it lacks something the bootstrap
 * needs (kallsyms tables in VMCOREINFO, BTF, a known paging mode) and no profile supplies it. The
 * message is one line naming what is missing.
 */
public class UnsupportedKernelException extends RuntimeException {
    public UnsupportedKernelException(String message) {
        super(message);
    }

    public UnsupportedKernelException(String message, Throwable cause) {
        super(message, cause);
    }
}
