package liftnet.sweep;

/**
 * A scheduler that cannot start or run (no master at the address given, a cluster manager this build cannot reach).
 * The message is one line that says what failed and what to do; the command line prints it as an error.
 */
public class SchedulerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SchedulerException(String message) {
        super(message);
    }

    public SchedulerException(String message, Throwable cause) {
        super(message, cause);
    }
}
