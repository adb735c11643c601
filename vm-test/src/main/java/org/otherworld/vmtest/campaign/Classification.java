package org.otherworld.vmtest.campaign;

/**
 * A run's outcome with its explanation.
 *
 * @param outcome the class
 * @param phase   for {@link Outcome#RESURRECTION_FAILED}: extraction, images, handover or restore; else null
 * @param cause   one line saying why (for grouping failure causes); null for successes and non-manifested runs
 * @param symptom the first kernel error line the fault produced on the console (addresses and numbers
 *                masked so equal symptoms group together), or null when there was none
 */
public record Classification(Outcome outcome, String phase, String cause, String symptom) {
    /** "resurrection failed (phase restore)", or the outcome's label. */
    public String describe() {
        return phase == null ? outcome.label() : outcome.label() + " (phase " + phase + ")";
    }
}
