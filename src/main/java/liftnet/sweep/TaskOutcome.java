package liftnet.sweep;

import java.io.Serializable;

/**
 * What one task did in this invocation of the sweep.
 *
 * @param id          the run's id
 * @param status      {@code train}'s exit status, or {@link #SKIPPED} when the run had already finished
 * @param wallSeconds wall-clock time of the task (0 when skipped)
 * @param attempt     the scheduler's attempt number (0 the first; a retried Spark task counts up)
 * @param host        the machine that ran it
 */
public record TaskOutcome(String id, int status, double wallSeconds, int attempt, String host) implements Serializable {

    /** Status of a run that was already finished: nothing was trained. */
    public static final int SKIPPED = -1;

    public boolean finished() {
        return status == 0 || status == SKIPPED;
    }
}
