package org.otherworld.sdk;

/**
 * What a {@link CrashProcedure} wants the application to do after it was resurrected.
 *
 * <p>The decisions of all registered procedures are combined: the application is restarted
 * ({@link #SAVE_AND_RESTART}) if at least one procedure asks for it, otherwise it continues.
 */
public enum Decision {
    /** Keep running the resurrected process as it is. */
    CONTINUE,
    /**
     * Run the save callbacks (see {@link CrashProcedures#onSave(SaveCallback)}), then replace the
     * process image with a fresh start of the same command line (same PID).
     */
    SAVE_AND_RESTART
}
