package org.otherworld.agent.kernel;

/** The kernel's BTF has no type (or enum constant) of the requested name; the message names it. */
public class UnknownTypeException extends KernelTypeException {
    public UnknownTypeException(String message) {
        super(message);
    }
}
