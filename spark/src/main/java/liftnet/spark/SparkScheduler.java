package liftnet.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liftnet.sweep.RunLauncher;
import liftnet.sweep.SchedulerException;
import liftnet.sweep.SweepResults;
import liftnet.sweep.SweepScheduler;
import liftnet.sweep.SweepStorage;
import liftnet.sweep.SweepTask;
import liftnet.sweep.TaskOutcome;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceInformation;
import scala.Tuple2;

/**
 * Runs each run of a sweep as one Spark task: the tasks are the elements of an RDD with one partition each, mapped
 * on the executors by {@link SweepTask#execute}, which trains with the {@link RunLauncher} (the train command's
 * code). The driver collects the outcomes.
 *
 * <ul>
 *   <li>The sweep folder ({@code --out}) is on any Hadoop file system ({@link HadoopFolder}: {@code hdfs://},
 *       {@code s3a://}, {@code file://}, a plain path meaning {@code file://}). A task trains in a scratch folder of
 *       its executor ({@code <SparkFiles root>/liftnet-scratch/<id>}), copies the run folder and its log there after
 *       every finished epoch, and first restores the run from there: a retry on any machine resumes the run.
 *       The driver assembles the summary from the sweep folder ({@link HadoopStorage}).</li>
 *   <li>A task that fails (an exception, a lost executor, or {@code train} exiting with a failure status) is
 *       retried by Spark, up to {@code spark.task.maxFailures} (default 4; a lost executor's tasks count, a lost
 *       worker is noticed when its connection closes); the retry resumes from the last copied epoch. Local masters
 *       do not retry unless they say so, so {@code local[N]} runs as {@code local[N,}{@value #LOCAL_ATTEMPTS}{@code ]}.
 *       A diverged run (status 3) or a usage error (2) is reported, not retried: it would end the same way.</li>
 *   <li>A task that Spark gave a GPU ({@code spark.task.resource.gpu.amount=1}) trains a new run on
 *       {@code --device cuda:<address>}.</li>
 *   <li>CPU threads per run: {@code spark.task.cpus} (default 1) unless the sweep sets {@code --threads}.</li>
 *   <li>A local master, or a master on a loopback address (scripts/spark-cluster.sh), binds the driver to
 *       {@code 127.0.0.1}. Outside {@code spark-submit}, a cluster master gets the jars that hold liftnet's classes
 *       ({@code spark.jars}) unless set. (Spark 4 starts executors with {@code --add-modules=jdk.incubator.vector}
 *       itself, which the CPU engine needs.)</li>
 * </ul>
 */
public final class SparkScheduler implements SweepScheduler {

    /** Attempts per task on a local master. */
    static final int LOCAL_ATTEMPTS = 4;
    /** {@code train}'s exit status for a usage error and for a diverged run: a retry would end the same way. */
    private static final int USAGE = 2;
    private static final int DIVERGED = 3;
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\d+|\\*)])?");
    private static final Pattern STANDALONE = Pattern.compile("spark://([^:/,]+|\\[[^]]+]):\\d+");
    private static final String LOOPBACK = "127.0.0.1";
    /** The folder under an executor's {@code SparkFiles} root where tasks train. */
    static final String SCRATCH = "liftnet-scratch";

    /** How long the port of a {@code spark://} master may take to accept a connection. */
    static final int PROBE_MILLIS = 5000;

    private final JavaSparkContext context;

    /**
     * Starts a Spark context.
     *
     * @param master {@code local[N]}, {@code spark://host:port}, any Spark master URL, or {@code submit} for the one
     *               {@code spark-submit} set
     * @throws SchedulerException for {@code submit} outside {@code spark-submit}
     */
    public SparkScheduler(String master) {
        this(master, null);
    }

    /**
     * Starts a Spark context whose logging goes to {@code log} (when not null), after checking that the master can be
     * reached: a {@code spark://} master's port is probed first, because Spark's standalone client retries for about a
     * minute by itself and then fails with a stack trace.
     *
     * @throws SchedulerException with a one-line message when the master is malformed, unreachable or Spark cannot start
     */
    public SparkScheduler(String master, Path log) {
        if (log != null) {
            SparkLogging.toFile(log);
        }
        checkMaster(master);
        try {
            context = start(master);
        } catch (SchedulerException e) {
            throw e;
        } catch (Exception e) { // SparkException and friends, which Scala code throws undeclared
            throw new SchedulerException("--spark " + master + ": Spark could not start (" + firstLine(e) + ")"
                    + hint(master) + (log == null ? "" : "; Spark's log: " + log), e);
        }
    }

    /** Refuses {@code local[0]} and an unreachable {@code spark://} master before Spark is started. */
    static void checkMaster(String master) {
        Matcher local = LOCAL.matcher(master);
        if (local.matches() && "0".equals(local.group(1))) {
            throw new SchedulerException("--spark " + master + ": a local master needs at least 1 thread, e.g. --spark local[2]");
        }
        if (!master.startsWith("spark://")) {
            return;
        }
        List<String> tried = new ArrayList<>();
        for (String address : master.substring("spark://".length()).split(",")) {
            int colon = address.lastIndexOf(':');
            String host = colon < 0 ? address : address.substring(0, colon).replaceAll("^\\[|]$", "");
            int port;
            try {
                port = colon < 0 ? -1 : Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new SchedulerException("--spark " + master + ": '" + address + "' is not host:port; expected e.g."
                        + " spark://127.0.0.1:7077");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), PROBE_MILLIS);
                return;
            } catch (IOException e) {
                tried.add(address + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
            }
        }
        throw new SchedulerException("--spark " + master + ": no Spark master answers at " + String.join(", ", tried)
                + "; start one (scripts/spark-cluster.sh start) or give the master URL its web page shows");
    }

    private static String hint(String master) {
        if (master.startsWith("yarn") || master.startsWith("k8s://") || master.startsWith("mesos://")) {
            return "; a cluster manager's master needs its Spark module and configuration: start the sweep with spark-submit"
                    + " --master " + master + " and give --spark submit";
        }
        return "";
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.lines().findFirst().orElse("").strip();
    }

    private static JavaSparkContext start(String master) {
        SparkConf conf = new SparkConf().setAppName("liftnet sweep")
                .setIfMissing("spark.ui.enabled", "false")
                .setIfMissing("spark.ui.showConsoleProgress", "false");
        if (master.equals("submit")) {
            if (!conf.contains("spark.master")) {
                throw new SchedulerException("--spark submit: no Spark master is set; start the sweep with spark-submit"
                        + " --master URL, or give --spark local[N] or --spark spark://host:port");
            }
        } else {
            conf.setMaster(withRetries(master));
            List<String> jars = liftnetJars();
            if (!isLocal(master) && !jars.isEmpty()) {
                conf.setIfMissing("spark.jars", String.join(",", jars));
            }
        }
        if (isLocal(conf.get("spark.master")) || onLoopback(conf.get("spark.master"))) {
            conf.setIfMissing("spark.driver.host", LOOPBACK);
            conf.setIfMissing("spark.driver.bindAddress", LOOPBACK);
        }
        return new JavaSparkContext(conf);
    }

    private static boolean isLocal(String master) {
        return master.equals("local") || master.startsWith("local[");
    }

    /** Whether a {@code spark://host:port} master is on this machine's loopback interface. */
    static boolean onLoopback(String master) {
        Matcher m = STANDALONE.matcher(master);
        if (!m.matches()) {
            return false;
        }
        String host = m.group(1);
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    /** The jars liftnet's core and this module were loaded from; none when they come from class folders (tests). */
    static List<String> liftnetJars() {
        List<String> jars = new ArrayList<>();
        for (Class<?> c : List.of(SweepTask.class, SparkScheduler.class)) {
            CodeSource source = c.getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation() != null && source.getLocation().getPath().endsWith(".jar")) {
                jars.add(source.getLocation().toString());
            }
        }
        return jars;
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

    /** The sweep folder on the Hadoop file system {@code out} names, with the job's {@code spark.hadoop.*} settings. */
    @Override
    public SweepStorage storage(String out) {
        return new HadoopStorage(out, hadoopSettings());
    }

    /** Hadoop settings from the Spark options {@code spark.hadoop.K=V}. */
    private Map<String, String> hadoopSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        for (Tuple2<String, String> kv : context.getConf().getAllWithPrefix(HadoopFolder.SPARK_HADOOP)) {
            settings.put(kv._1(), kv._2());
        }
        return settings;
    }

    /**
     * Outcomes in task order; none when the Spark job failed (the summary then reports from the run folders). The
     * tasks' {@code dir} and {@code log} name the driver's view of the sweep folder and are only read by the driver;
     * each task trains in its executor's scratch folder and copies to {@code storage}'s location.
     */
    @Override
    public List<TaskOutcome> run(List<SweepTask> tasks, RunLauncher launcher, SweepStorage storage, PrintStream progress) {
        if (tasks.isEmpty()) {
            return List.of();
        }
        HadoopFolder folder = storage instanceof HadoopStorage h ? h.folder() : new HadoopFolder(storage.location(), hadoopSettings());
        List<TaskOutcome> outcomes;
        try {
            outcomes = context.parallelize(tasks, tasks.size()).map(task -> runTask(task, launcher, folder)).collect();
        } catch (Exception e) { // SparkException, a checked exception that Scala code throws undeclared
            String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            progress.println("spark: the job failed after Spark's retries: " + message);
            return List.of();
        }
        try {
            storage.pull();
        } catch (IOException e) {
            progress.println("spark: cannot read the run folders from " + storage.location() + ": " + e.getMessage());
        }
        List<TaskOutcome> ordered = new ArrayList<>(outcomes);
        for (int i = 0; i < tasks.size(); i++) {
            progress.println(SweepResults.describe(tasks.get(i), ordered.get(i)));
        }
        return ordered;
    }

    /** On an executor: trains the task in this executor's scratch folder, on the GPU Spark assigned, if any. */
    static TaskOutcome runTask(SweepTask task, RunLauncher launcher, HadoopFolder folder) throws IOException {
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
        return runTask(task, launcher, folder, Path.of(SparkFiles.getRootDirectory()).toAbsolutePath().normalize().resolve(SCRATCH), attempt, device);
    }

    /**
     * Trains one task in {@code scratchRoot/<id>}: restores its run folder and log from {@code folder} (a retry
     * resumes there), trains with a copy back after every saved epoch and once at the end, then deletes the scratch
     * folder. The task's own {@code dir} and {@code log} are not touched.
     *
     * @throws IllegalStateException when {@code train} failed in a way a retry may mend, for Spark to retry the task
     */
    static TaskOutcome runTask(SweepTask task, RunLauncher launcher, HadoopFolder folder, Path scratchRoot, int attempt,
                               String device) throws IOException {
        Path scratch = scratchRoot.resolve(task.id());
        Path runDir = scratch.resolve("run");
        Path log = scratch.resolve("run.log");
        TaskOutcome outcome;
        try {
            folder.restore(task.id(), runDir, log);
            SweepTask local = task.at(runDir.toString(), log.toString());
            try {
                outcome = local.execute(launcher, device, attempt, epoch -> folder.save(task.id(), runDir, log));
            } catch (RuntimeException e) {
                try {
                    folder.save(task.id(), runDir, log);
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            folder.save(task.id(), runDir, log);
        } finally {
            HadoopFolder.deleteLocal(scratch);
        }
        if (outcome.status() > 0 && outcome.status() != USAGE && outcome.status() != DIVERGED) {
            throw new IllegalStateException("run " + task.id() + ": train exited with status " + outcome.status() + " (see "
                    + folder.uri() + "/logs/" + task.id() + ".log); Spark retries the task, which resumes the run from its"
                    + " last copied epoch");
        }
        return outcome;
    }

    @Override
    public void close() {
        context.stop();
    }
}
