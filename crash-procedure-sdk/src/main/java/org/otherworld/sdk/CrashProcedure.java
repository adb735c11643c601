package org.otherworld.sdk;

/**
 * Application code that runs after the process was resurrected from a kernel crash.
 *
 * <p>It receives the {@link ResurrectionReport} (which resources could not be restored) and
 * returns a {@link Decision}. Procedures run one after another on a dedicated SDK thread, each
 * bounded by a timeout (see {@link CrashProcedures#setProcedureTimeout(java.time.Duration)}); a
 * procedure that throws or times out counts as {@link Decision#SAVE_AND_RESTART}.
 *
 * <p>Example: {@code CrashProcedures.register(r -> r.unrestoredResources().isEmpty()
 * ? Decision.CONTINUE : Decision.SAVE_AND_RESTART);}
 */
@FunctionalInterface
public interface CrashProcedure {
    /**
     * Called once per resurrection.
     *
     * @param report what happened and which resources were not restored
     * @return what this procedure wants the application to do
     * @throws Exception any failure; treated as {@link Decision#SAVE_AND_RESTART}
     */
    Decision onResurrection(ResurrectionReport report) throws Exception;
}
