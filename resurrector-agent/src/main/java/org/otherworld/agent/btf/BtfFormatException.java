package org.otherworld.agent.btf;

/**
 * A BTF blob is malformed (bad header, section or record out of bounds, unknown kind, dangling type
 * reference) or a type id outside the blob was asked for. The message names the problem and, where
 * there is one, the type id.
 */
public class BtfFormatException extends RuntimeException {
    public BtfFormatException(String message) {
        super(message);
    }
}
