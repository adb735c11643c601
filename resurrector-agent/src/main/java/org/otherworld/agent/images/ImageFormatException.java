package org.otherworld.agent.images;

import java.io.IOException;

/** A CRIU image file is malformed: wrong magic, truncated entry, unparsable message, bad reference. */
public class ImageFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the file and what was wrong */
    public ImageFormatException(String message) {
        super(message);
    }

    /** @param message one line naming the file and what was wrong; @param cause the parser error */
    public ImageFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
