package org.otherworld.agent.symbols;

/**
 * The kernel's kallsyms tables (or a System.map profile) could not be decoded. The message names
 * the table or file and what was wrong with it.
 */
public class KallsymsException extends RuntimeException {
    public KallsymsException(String message) {
        super(message);
    }

    public KallsymsException(String message, Throwable cause) {
        super(message, cause);
    }
}
