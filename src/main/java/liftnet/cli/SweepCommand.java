package liftnet.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import liftnet.sweep.LocalScheduler;
import liftnet.sweep.RunFiles;
import liftnet.sweep.SchedulerProvider;
import liftnet.sweep.SweepResults;
import liftnet.sweep.SweepScheduler;
import liftnet.sweep.SweepStorage;
import liftnet.sweep.SweepTask;
import liftnet.sweep.TaskOutcome;
import liftnet.train.RunSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sweep}: trains every seed of {@code --seeds} for every combination of the {@code --grid} values, each an
 * ordinary run folder {@code DIR/runs/<id>} made by the {@code train} command ({@link TrainLauncher}), on this
 * machine ({@link LocalScheduler}) or as Spark tasks ({@code --spark}, the {@code spark/} module), then writes the
 * summary ({@link SweepResults}). Rerunning skips finished runs and resumes unfinished ones.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains every seed of --seeds for every combination of the --grid values: one ordinary, resumable "
                + "run folder DIR/runs/<id> each, then DIR/sweep.json, DIR/SWEEP.md (mean ± std over seeds) and "
                + "DIR/curves.png. Rerunning the same command skips finished runs and resumes unfinished ones.",
                "Every other option is train's (see train --help) and applies to all runs."})
final class SweepCommand implements Callable<Integer> {

    /** Train options a grid may not vary: the seed has --seeds, the run folders are the sweep's. */
    private static final Set<String> NOT_IN_GRID = Set.of("--seed", "--out", "--resume", "--help", "--version");
    /** config.json keys that may differ in a run folder the sweep continues: where the data lies, the engine used. */
    private static final Set<String> NOT_COMPARED = Set.of("data", "device", "engine");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ParentCommand
    Main main;

    @Option(names = "--seeds", paramLabel = "S1,S2", split = ",", description = "Seeds: one run per seed and configuration. Default: 1")
    List<Long> seeds;

    @Option(names = "--grid", paramLabel = "KEY=V1,V2",
            description = "A train option and its values, e.g. lr=0.05,0.025 or method=backprop,contrastive; repeatable: "
                    + "the runs cover every combination")
    List<String> grid = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = {"The sweep's folder; with --spark also a Hadoop file", "system URI such as", "hdfs://host:port/path,",
                    "s3a://bucket/path or file:///path (a plain path", "means file://)"})
    String out;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "1",
            description = "Runs at a time on this machine; each gets processors / N CPU threads unless --threads is given. Default: ${DEFAULT-VALUE}")
    int parallel;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = {"Run each run as one Apache Spark task: local[N],", "spark://host:port, or submit (the master",
                    "spark-submit set). Needs the spark/ module, which", "./run.sh builds"})
    String spark;

    @CommandLine.Unmatched
    List<String> trainOptions = new ArrayList<>();

    /** One {@code --grid} entry. */
    record Axis(String key, List<String> values) {
    }

    @Override
    public Integer call() throws IOException {
        PrintStream err = main.err;
        List<Axis> axes = axes();
        List<Long> seedList = seeds();
        checkTrainOptions();
        long t0 = System.nanoTime();
        try (SweepScheduler scheduler = openScheduler(err); SweepStorage storage = storage(scheduler)) {
            storage.pull();
            Path dir = storage.local();
            boolean threadsGiven = trainOptions.stream().anyMatch(a -> a.equals("--threads") || a.startsWith("--threads="))
                    || axes.stream().anyMatch(a -> a.key().equals("threads"));
            List<SweepTask> tasks = tasks(dir, axes, seedList, threadsGiven ? null : scheduler.defaultThreads());
            err.println("sweep: " + tasks.size() + " runs (" + tasks.size() / seedList.size() + " configurations x "
                    + seedList.size() + " seeds) on " + scheduler.describe() + "; run folders in " + storage.location()
                    + "/runs" + (dir.toString().equals(storage.location()) ? "" : " (summary assembled in " + dir + ")"));
            List<TaskOutcome> outcomes = scheduler.run(tasks, new TrainLauncher(), storage, err);
            storage.pull();
            Map<String, TaskOutcome> byId = new HashMap<>();
            outcomes.forEach(o -> byId.put(o.id(), o));
            String command = "./run.sh " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
            int unfinished = SweepResults.write(dir, tasks, byId, command, scheduler.describe(), (System.nanoTime() - t0) / 1e9);
            storage.push(List.of(SweepResults.JSON, SweepResults.MARKDOWN, SweepResults.CURVES));
            main.out.println("sweep: wrote " + storage.location() + "/" + SweepResults.JSON + ", " + SweepResults.MARKDOWN
                    + " and " + SweepResults.CURVES);
            if (unfinished > 0 && StopSignal.requested()) {
                throw new Errors.Failure(Errors.INTERRUPTED, "stopped by Ctrl-C: " + unfinished + " of " + tasks.size()
                        + " runs did not finish (their finished epochs are saved); rerun the same command to resume them");
            }
            if (unfinished > 0) {
                throw new Errors.Failure(Errors.FAILURE, unfinished + " of " + tasks.size() + " runs did not finish (logs in "
                        + storage.location() + "/logs); rerun the same command to resume them");
            }
        }
        return Errors.OK;
    }

    private List<Axis> axes() {
        CommandLine.Model.CommandSpec train = new CommandLine(new TrainCommand()).getCommandSpec();
        List<Axis> axes = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>();
        for (String entry : grid) {
            int eq = entry.indexOf('=');
            String key = eq < 0 ? "" : entry.substring(0, eq).replaceFirst("^--?", "");
            String values = eq < 0 ? "" : entry.substring(eq + 1);
            if (key.isEmpty() || values.isBlank()) {
                throw Errors.usage(spec.commandLine(), "--grid " + entry + ": expected KEY=V1,V2,..., e.g. --grid lr=0.05,0.025");
            }
            if (train.findOption("--" + key) == null || NOT_IN_GRID.contains("--" + key)) {
                throw Errors.usage(spec.commandLine(), "--grid " + entry + ": '" + key + "' is not a train option a grid can"
                        + " vary (" + (key.equals("seed") ? "use --seeds" : "see train --help; e.g. lr, gamma, units, method, sweeps, tol, batch, net") + ")");
            }
            if (!keys.add(key)) {
                throw Errors.usage(spec.commandLine(), "--grid " + key + " is given twice; give each key once with all its values");
            }
            List<String> list = new ArrayList<>();
            for (String v : values.split(",", -1)) {
                if (v.isBlank() || list.contains(v.strip())) {
                    throw Errors.usage(spec.commandLine(), "--grid " + entry + ": empty or repeated value; e.g. --grid " + key + "=A,B");
                }
                list.add(v.strip());
            }
            axes.add(new Axis(key, list));
        }
        return axes;
    }

    private List<Long> seeds() {
        List<Long> list = seeds == null || seeds.isEmpty() ? List.of(1L) : seeds;
        if (new LinkedHashSet<>(list).size() != list.size()) {
            throw Errors.usage(spec.commandLine(), "--seeds " + list + ": a seed is repeated; give each seed once");
        }
        return list;
    }

    private void checkTrainOptions() {
        for (String a : trainOptions) {
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (name.equals("--seed") || name.equals("--resume")) {
                throw Errors.usage(spec.commandLine(), name + " is not a sweep option: " + (name.equals("--seed")
                        ? "use --seeds 1,2,3" : "rerun the same sweep command to resume its runs"));
            }
        }
    }

    /** The sweep folder as the scheduler reaches it; a usage error when it cannot. */
    private SweepStorage storage(SweepScheduler scheduler) {
        try {
            return scheduler.storage(out);
        } catch (IllegalArgumentException e) {
            throw Errors.usage(spec.commandLine(), e.getMessage());
        }
    }

    private SweepScheduler openScheduler(PrintStream err) {
        if (parallel < 1) {
            throw Errors.usage(spec.commandLine(), "--parallel " + parallel + ": must be at least 1");
        }
        if (spark == null) {
            return new LocalScheduler(parallel, Runtime.getRuntime().availableProcessors());
        }
        if (parallel != 1) {
            err.println("note: --parallel is ignored with --spark; Spark runs as many tasks at a time as it has cores"
                    + " (spark.task.cpus each)");
        }
        for (SchedulerProvider p : ServiceLoader.load(SchedulerProvider.class)) {
            if (p.name().equals("spark")) {
                Path log = sparkLog();
                err.println("sweep: Spark's own messages go to " + log);
                return p.open(spark, log);
            }
        }
        throw new Errors.Failure(Errors.FAILURE, "--spark needs liftnet's Spark module, which this class path does not"
                + " hold; run the sweep through ./run.sh (it builds spark/) or put spark/target/liftnet-spark.jar and"
                + " spark/target/lib/* on the class path");
    }

    /**
     * Where Spark's and its network library's logging goes: {@code spark.log} in the sweep folder when that is on this
     * machine, else in the temporary folder.
     */
    private Path sparkLog() {
        String local = out.startsWith("file://") ? out.substring("file://".length()) : out.matches("^[a-zA-Z][\\w+.-]*://.*") ? null : out;
        try {
            Path dir = local != null ? Path.of(local) : Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(dir);
            return (local != null ? dir.resolve("spark.log") : dir.resolve("liftnet-spark-" + ProcessHandle.current().pid() + ".log"))
                    .toAbsolutePath();
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return Path.of(System.getProperty("java.io.tmpdir"), "liftnet-spark-" + ProcessHandle.current().pid() + ".log");
        }
    }

    /** The runs: seeds outermost (all configurations of seed 1 first), then the grid's combinations in order. */
    private List<SweepTask> tasks(Path dir, List<Axis> axes, List<Long> seedList, Integer threads) throws IOException {
        List<Map<String, String>> combinations = new ArrayList<>();
        combinations.add(new LinkedHashMap<>());
        for (Axis axis : axes) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> c : combinations) {
                for (String v : axis.values()) {
                    Map<String, String> m = new LinkedHashMap<>(c);
                    m.put(axis.key(), v);
                    next.add(m);
                }
            }
            combinations = next;
        }
        List<SweepTask> tasks = new ArrayList<>();
        for (long seed : seedList) {
            for (Map<String, String> combination : combinations) {
                Map<String, String> values = new LinkedHashMap<>(combination);
                values.put("seed", Long.toString(seed));
                String id = id(values);
                List<String> args = new ArrayList<>(trainOptions);
                values.forEach((k, v) -> {
                    args.add("--" + k);
                    args.add(v);
                });
                if (threads != null) {
                    args.add("--threads");
                    args.add(Integer.toString(threads));
                }
                RunSettings settings = settings(id, args);
                args.add("--data");
                args.add(settings.data().toString());
                Path runDir = dir.resolve("runs").resolve(id);
                checkExisting(runDir, settings);
                tasks.add(new SweepTask(id, values, args, runDir.toString(), dir.resolve("logs").resolve(id + ".log").toString(),
                        settings.epochs()));
            }
        }
        return tasks;
    }

    /** {@code key-value} pairs joined by {@code _}, e.g. {@code lr-0.05_seed-1}; unsafe characters become {@code +}. */
    static String id(Map<String, String> values) {
        List<String> parts = new ArrayList<>();
        values.forEach((k, v) -> parts.add(k + "-" + v.replaceAll("[^A-Za-z0-9.+-]", "+")));
        return String.join("_", parts);
    }

    /** The run's settings as train would parse them, or a usage error naming the run. */
    private RunSettings settings(String id, List<String> args) {
        TrainCommand train = new TrainCommand();
        CommandLine cli = new CommandLine(train);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOverwrittenOptionsAllowed(true);
        try {
            cli.parseArgs(args.toArray(new String[0]));
            return train.fromOptions();
        } catch (CommandLine.ParameterException e) {
            throw Errors.usage(spec.commandLine(), "run " + id + " (train " + String.join(" ", args) + "): " + e.getMessage());
        }
    }

    /** Refuses a run folder that holds a run with other settings than the sweep asks for. */
    private void checkExisting(Path runDir, RunSettings settings) throws IOException {
        JsonObject found;
        try {
            found = RunFiles.config(runDir);
        } catch (IOException e) {
            throw new Errors.Failure(Errors.FAILURE, e.getMessage() + "; remove " + runDir + " or choose another --out");
        }
        if (found == null) {
            return;
        }
        JsonObject wanted = settings.toJson();
        for (Map.Entry<String, JsonElement> e : wanted.entrySet()) {
            if (NOT_COMPARED.contains(e.getKey())) {
                continue;
            }
            JsonElement has = found.get(e.getKey());
            if (!e.getValue().equals(has)) {
                throw new Errors.Failure(Errors.USAGE, String.format(Locale.ROOT, "%s holds a run with %s %s, but this"
                        + " sweep asks for %s; choose another --out or remove that run folder", runDir.resolve(RunFiles.CONFIG),
                        e.getKey(), has, e.getValue()));
            }
        }
    }
}
