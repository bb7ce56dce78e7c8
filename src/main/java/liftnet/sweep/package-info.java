/**
 * Sweeps: many training runs (seeds x a grid of train options) scheduled as independent tasks, each an ordinary
 * resumable run folder under {@code DIR/runs/<id>}, then summarised into {@code DIR/sweep.json} and
 * {@code DIR/SWEEP.md} (mean &plusmn; std over seeds per configuration, accuracy curves).
 *
 * <p>A {@link liftnet.sweep.SweepTask} is one run; a {@link liftnet.sweep.RunLauncher} trains it with the same code as
 * {@code train}; a {@link liftnet.sweep.SweepScheduler} runs the tasks: {@link liftnet.sweep.LocalScheduler} on this
 * machine's threads, or one found by {@link java.util.ServiceLoader} through {@link liftnet.sweep.SchedulerProvider}
 * (the Spark module in {@code spark/}, which the core jar does not carry). A {@link liftnet.sweep.SweepStorage} is where
 * the sweep's folder lives (a local folder, or for the Spark module any Hadoop file system, seen by the driver through
 * a local mirror). {@link liftnet.sweep.SweepResults} reads the run folders and writes the summary.
 */
package liftnet.sweep;
