package org.otherworld.agent.kernel;

/**
 * A kernel type or member was used in a way its BTF description does not allow (for example reading a
 * struct member as an integer, or an array index out of bounds). Base class of the lookup failures.
 */
public class KernelTypeException extends RuntimeException {
    public KernelTypeException(String message) {
        super(message);
    }
}
