package liftnet.spark;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liftnet.sweep.RunLauncher;
import liftnet.sweep.SweepResults;
import liftnet.sweep.SweepScheduler;
import liftnet.sweep.SweepTask;
import liftnet.sweep.TaskOutcome;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Runs each run of a sweep as one Spark task: the tasks are the elements of an RDD with one partition each, mapped
 * on the executors by {@link SweepTask#execute}, which trains with the {@link RunLauncher} (the train command's
 * code) into the run folder on the shared file system. The driver collects the outcomes.
 *
 * <ul>
 *   <li>A task that fails (an exception, a lost executor, or {@code train} exiting with a failure status) is
 *       retried by Spark, up to {@code spark.task.maxFailures}; the retry finds the run folder's config and resumes
 *       from its last finished epoch. Local masters do not retry unless they say so, so {@code local[N]} runs as
 *       {@code local[N,}{@value #LOCAL_ATTEMPTS}{@code ]}. A diverged run (status 3) or a usage error (2) is
 *       reported, not retried: it would end the same way.</li>
 *   <li>A task that Spark gave a GPU ({@code spark.task.resource.gpu.amount=1}) trains a new run on
 *       {@code --device cuda:<address>}.</li>
 *   <li>CPU threads per run: {@code spark.task.cpus} (default 1) unless the sweep sets {@code --threads}.</li>
 * </ul>
 */
public final class SparkScheduler implements SweepScheduler {

    /** Attempts per task on a local master. */
    static final int LOCAL_ATTEMPTS = 4;
    /** {@code train}'s exit status for a usage error and for a diverged run: a retry would end the same way. */
    private static final int USAGE = 2;
    private static final int DIVERGED = 3;
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\d+|\\*)])?");

    private final JavaSparkContext context;

    /**
     * Starts a Spark context.
     *
     * @param master {@code local[N]}, {@code spark://host:port}, any Spark master URL, or {@code submit} for the one
     *               {@code spark-submit} set
     * @throws IllegalArgumentException for {@code submit} outside {@code spark-submit}
     */
    public SparkScheduler(String master) {
        SparkConf conf = new SparkConf().setAppName("liftnet sweep")
                .setIfMissing("spark.ui.enabled", "false")
                .setIfMissing("spark.ui.showConsoleProgress", "false");
        if (master.equals("submit")) {
            if (!conf.contains("spark.master")) {
                throw new IllegalArgumentException("--spark submit: no Spark master is set; start the sweep with spark-submit"
                        + " --master URL, or give --spark local[N] or --spark spark://host:port");
            }
        } else {
            conf.setMaster(withRetries(master));
        }
        context = new JavaSparkContext(conf);
    }

    /** {@code local} and {@code local[N]} with {@value #LOCAL_ATTEMPTS} attempts per task; other masters unchanged. */
    static String withRetries(String master) {
        Matcher m = LOCAL.matcher(master);
        if (!m.matches()) {
            return master;
        }
        return "local[" + (m.group(1) == null ? "1" : m.group(1)) + "," + LOCAL_ATTEMPTS + "]";
    }

    @Override
    public String describe() {
        return "spark " + context.master() + " (" + context.defaultParallelism() + " task slots)";
    }

    @Override
    public int defaultThreads() {
        return context.getConf().getInt("spark.task.cpus", 1);
    }

    /** Outcomes in task order; none when the Spark job failed (the summary then reports from the run folders). */
    @Override
    public List<TaskOutcome> run(List<SweepTask> tasks, RunLauncher launcher, PrintStream progress) {
        if (tasks.isEmpty()) {
            return List.of();
        }
        List<TaskOutcome> outcomes;
        try {
            outcomes = context.parallelize(tasks, tasks.size()).map(task -> runTask(task, launcher)).collect();
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            progress.println("spark: the job failed after Spark's retries: " + message);
            return List.of();
        }
        List<TaskOutcome> ordered = new ArrayList<>(outcomes);
        for (int i = 0; i < tasks.size(); i++) {
            progress.println(SweepResults.describe(tasks.get(i), ordered.get(i)));
        }
        return ordered;
    }

    /** On an executor: trains the task's run on the GPU Spark assigned, if any; fails the task for Spark to retry. */
    static TaskOutcome runTask(SweepTask task, RunLauncher launcher) {
        TaskContext context = TaskContext.get();
        int attempt = context == null ? 0 : context.attemptNumber();
        String device = null;
        if (context != null) {
            Map<String, ResourceInformation> resources = context.resourcesJMap();
            ResourceInformation gpu = resources.get("gpu");
            if (gpu != null && gpu.addresses().length > 0) {
                device = "cuda:" + gpu.addresses()[0];
            }
        }
        TaskOutcome outcome = task.execute(launcher, device, attempt);
        if (outcome.status() > 0 && outcome.status() != USAGE && outcome.status() != DIVERGED) {
            throw new IllegalStateException("run " + task.id() + ": train exited with status " + outcome.status() + " (see "
                    + task.log() + "); Spark retries the task, which resumes the run from its last finished epoch");
        }
        return outcome;
    }

    @Override
    public void close() {
        context.stop();
    }
}
