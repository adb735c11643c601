package org.otherworld.agent.vmcore;

/**
 * A vmcore (or its VMCOREINFO text) is malformed or is not the kind of dump this agent reads.
 * The message is one line: the source (file name or "VMCOREINFO") followed by the problem.
 */
public class VmcoreFormatException extends RuntimeException {
    public VmcoreFormatException(String source, String problem) {
        super(source + ": " + problem);
    }

    public VmcoreFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
    }
}
