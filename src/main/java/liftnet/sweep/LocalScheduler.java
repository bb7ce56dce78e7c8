package liftnet.sweep;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs the tasks on this machine, {@code parallel} at a time, each in this JVM; the processors are split between
 * them ({@link #defaultThreads}). Each trains in its own folder under the sweep's local folder.
 */
public final class LocalScheduler implements SweepScheduler {

    private final int parallel;
    private final int processors;
    private final ExecutorService pool;

    /**
     * @param parallel   runs at a time, at least 1
     * @param processors the processors to split, at least 1
     */
    public LocalScheduler(int parallel, int processors) {
        if (parallel < 1 || processors < 1) {
            throw new IllegalArgumentException("--parallel " + parallel + ": must be at least 1");
        }
        this.parallel = parallel;
        this.processors = processors;
        this.pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "sweep-run");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String describe() {
        return "local, " + parallel + " in parallel";
    }

    /** {@code max(1, processors / parallel)}. */
    @Override
    public int defaultThreads() {
        return Math.max(1, processors / parallel);
    }

    @Override
    public List<TaskOutcome> run(List<SweepTask> tasks, RunLauncher launcher, SweepStorage storage, PrintStream progress) {
        List<Future<TaskOutcome>> futures = new ArrayList<>();
        for (SweepTask task : tasks) {
            futures.add(pool.submit(() -> {
                TaskOutcome outcome;
                try {
                    outcome = task.execute(launcher, null, 0);
                } catch (RuntimeException e) {
                    progress.println("run " + task.id() + ": failed: " + e.getMessage());
                    return new TaskOutcome(task.id(), 1, 0, 0, "local");
                }
                progress.println(SweepResults.describe(task, outcome));
                return outcome;
            }));
        }
        List<TaskOutcome> outcomes = new ArrayList<>();
        for (Future<TaskOutcome> f : futures) {
            try {
                outcomes.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the sweep's runs", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a sweep task failed: " + e.getCause(), e.getCause());
            }
        }
        return outcomes;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
