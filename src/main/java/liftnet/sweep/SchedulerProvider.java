package liftnet.sweep;

/**
 * A scheduler that is not part of the core jar (the Spark module), found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/liftnet.sweep.SchedulerProvider}).
 */
public interface SchedulerProvider {

    /** The name the command line uses, e.g. {@code spark}. */
    String name();

    /**
     * Starts a scheduler.
     *
     * @param master where to run, in the provider's terms (Spark: {@code local[N]}, {@code spark://host:port}, or
     *               {@code submit} for the master {@code spark-submit} set)
     */
    SweepScheduler open(String master);

    /**
     * Starts a scheduler whose own logging (Spark's, its network library's) goes to {@code log} instead of the terminal.
     *
     * @param log a local file, created or appended to
     * @throws SchedulerException when it cannot start, with a one-line message
     */
    default SweepScheduler open(String master, java.nio.file.Path log) {
        return open(master);
    }
}
