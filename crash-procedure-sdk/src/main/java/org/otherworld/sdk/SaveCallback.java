package org.otherworld.sdk;

/**
 * Saves application state before the SDK restarts the process
 * (after the combined decision was {@link Decision#SAVE_AND_RESTART}).
 *
 * <p>Register with {@link CrashProcedures#onSave(SaveCallback)}. Callbacks run in registration
 * order on the SDK's delivery thread, each bounded by the procedure timeout; a failure is logged
 * and does not stop the other callbacks or the restart. Data written here should go to a
 * persistent file system (not tmpfs) and be forced to disk; the restarted image finds it there.
 */
@FunctionalInterface
public interface SaveCallback {
    /**
     * Saves state.
     *
     * @param report the report that led to the restart
     * @throws Exception any failure (logged)
     */
    void save(ResurrectionReport report) throws Exception;
}
