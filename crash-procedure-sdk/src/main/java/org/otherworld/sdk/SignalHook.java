package org.otherworld.sdk;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Installs a Java handler for a POSIX signal via {@code sun.misc.Signal} (module
 * {@code jdk.unsupported}), chaining to a previously installed Java handler.
 */
final class SignalHook {
    private static final System.Logger LOG = System.getLogger("org.otherworld.sdk");

    private SignalHook() {
    }

    /** Returns true if the handler is installed. */
    static boolean install(String name, Runnable action) {
        try {
            Signal sig = new Signal(name);
            SignalHandler[] previous = new SignalHandler[1];
            previous[0] = Signal.handle(sig, s -> {
                action.run();
                SignalHandler p = previous[0];
                if (p != null && p != SignalHandler.SIG_DFL && p != SignalHandler.SIG_IGN) {
                    p.handle(s);
                }
            });
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError | SecurityException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot handle SIG" + name + " (" + e.getMessage()
                    + "); polling for resurrection reports instead");
            return false;
        }
    }
}
