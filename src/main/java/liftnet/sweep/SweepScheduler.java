package liftnet.sweep;

import java.io.PrintStream;
import java.util.List;

/**
 * Runs a sweep's tasks, each with {@link SweepTask#execute}, and returns their outcomes in task order. The tasks
 * are independent; a scheduler may run them in any order and in parallel.
 */
public interface SweepScheduler extends AutoCloseable {

    /** What the scheduler is, for messages and {@code sweep.json} (e.g. {@code local, 2 in parallel}). */
    String describe();

    /** CPU threads per run when the sweep's options do not set {@code --threads}. */
    int defaultThreads();

    /**
     * Where the sweep folder {@code out} (the {@code --out} argument) lives for this scheduler. Default: a local
     * folder ({@link SweepStorage#local}).
     *
     * @throws IllegalArgumentException when this scheduler cannot reach {@code out}, saying what it can
     */
    default SweepStorage storage(String out) {
        return SweepStorage.local(out);
    }

    /**
     * Runs every task.
     *
     * @param storage  the sweep's folder, from {@link #storage}; the tasks' folders and logs lie under its
     *                 {@link SweepStorage#local()}
     * @param progress receives one line per finished task; not closed
     * @return one outcome per task, in the order of {@code tasks}
     */
    List<TaskOutcome> run(List<SweepTask> tasks, RunLauncher launcher, SweepStorage storage, PrintStream progress);

    @Override
    void close();
}
