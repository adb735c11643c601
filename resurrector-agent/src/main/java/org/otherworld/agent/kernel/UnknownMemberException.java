package org.otherworld.agent.kernel;

/** A member path does not exist in a struct; the message names the struct and the path. */
public class UnknownMemberException extends KernelTypeException {
    public UnknownMemberException(String message) {
        super(message);
    }
}
