package liftnet.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EpochStats;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Solver;
import liftnet.api.Units;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import liftnet.train.DivergenceException;
import liftnet.train.Evaluation;
import liftnet.train.TrainConfig;
import liftnet.train.Trainer;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train}: trains a net and keeps a resumable run folder ({@link RunDirectory}). Per epoch: a progress bar
 * on stderr, then the checkpoint, then a one-line summary on stdout; a summary at the end.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains a lifted net (the default subcommand). Writes DIR/config.json, DIR/model.safetensors "
                + "and DIR/metrics.jsonl after every epoch; --resume DIR continues a stopped run.")
final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ParentCommand
    Main main;

    @Mixin
    EngineOptions engineOptions;

    @Option(names = "--net", paramLabel = "WIDTHS", defaultValue = "784-64-64-64-10", converter = Converters.Net.class,
            description = "Layer widths, input to output. Default: ${DEFAULT-VALUE}")
    NetSpec net;

    @Option(names = "--units", paramLabel = "U", defaultValue = "relu", converter = Converters.UnitsConverter.class,
            description = "Hidden units: relu, hardsigmoid or linear. Default: ${DEFAULT-VALUE}")
    Units units;

    @Option(names = "--gamma", paramLabel = "G", defaultValue = "0.125", description = "Feedback weight gamma in (0, 1]. Default: ${DEFAULT-VALUE}")
    double gamma;

    @Option(names = "--dataset", paramLabel = "D", defaultValue = "mnist", converter = Converters.Dataset.class,
            description = "mnist, fashion-mnist or cifar10. Default: ${DEFAULT-VALUE}")
    DatasetId dataset;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder holding the data set's files. Default: data/<dataset>")
    Path data;

    @Option(names = "--method", paramLabel = "M", defaultValue = "contrastive", converter = Converters.MethodConverter.class,
            description = "contrastive, lifted, backprop or linear. Default: ${DEFAULT-VALUE}")
    Method method;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "100", description = "Epochs. Default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "50", description = "Mini-batch size. Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.05",
            description = "Learning rate eta_BP; contrastive uses eta_BP / gamma^(L-1), lifted eta_BP / gamma^k in layer k. Default: ${DEFAULT-VALUE}")
    double lr;

    @Option(names = "--warmup-epochs", paramLabel = "N", defaultValue = "0", description = "Epochs at lr x warmup-factor. Default: ${DEFAULT-VALUE}")
    int warmupEpochs;

    @Option(names = "--warmup-factor", paramLabel = "F", defaultValue = "1", description = "Learning-rate factor during warm-up, in (0, 1]. Default: ${DEFAULT-VALUE}")
    double warmupFactor;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seeds the initial weights and the sample order. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Train on the first N samples only (0: all). Default: ${DEFAULT-VALUE}")
    int limit;

    @Option(names = "--out", paramLabel = "DIR", description = "Run folder. Default: runs/<dataset>-<method>-<timestamp>")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the run in DIR with its own settings (DIR/config.json); other options are ignored")
    Path resume;

    @Override
    public Integer call() throws IOException {
        PrintStream stdout = main.out;
        PrintStream err = main.err;
        RunSettings settings;
        RunDirectory run;
        if (resume != null) {
            run = new RunDirectory(resume);
            settings = run.readConfig();
            List<String> ignored = new ArrayList<>();
            for (CommandLine.Model.OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
                if (!o.longestName().equals("--resume")) {
                    ignored.add(o.longestName());
                }
            }
            if (!ignored.isEmpty()) {
                err.println("note: --resume uses the settings in " + run.config() + "; ignoring " + String.join(", ", ignored));
            }
        } else {
            settings = fromOptions();
            run = new RunDirectory(out != null ? out : defaultOut(settings));
            if (run.holdsRun()) {
                throw Errors.usage(spec.commandLine(), "--out " + run.dir() + ": the folder already holds a run ("
                        + run.config().getFileName() + " or " + run.model().getFileName() + "); continue it with --resume "
                        + run.dir() + " or choose another --out");
            }
        }
        return train(settings, run, resume != null, stdout, err);
    }

    private RunSettings fromOptions() {
        Path dataDir = data != null ? data : defaultData(dataset);
        engineOptions.validate(spec.commandLine());
        EngineOptions o = engineOptions;
        try {
            return new RunSettings(dataset, dataDir.toAbsolutePath().normalize(), net, units, gamma, method, epochs, batch,
                    lr, o.sweeps, o.tol, o.solver, warmupEpochs, warmupFactor, seed, limit, o.threadCount(), o.device);
        } catch (IllegalArgumentException e) {
            throw Errors.usage(spec.commandLine(), e.getMessage());
        }
    }

    /** {@code <liftnet.home>/data/<key>}; {@code run.sh} sets {@code liftnet.home} to the project root. */
    static Path defaultData(DatasetId id) {
        return Path.of(System.getProperty("liftnet.home", "")).resolve(DataSets.DATA_ROOT).resolve(id.key());
    }

    private static Path defaultOut(RunSettings s) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        Path base = Path.of("runs", s.dataset().key() + "-" + s.method().id() + "-" + stamp);
        Path dir = base;
        for (int i = 2; Files.exists(dir); i++) {
            dir = Path.of(base + "-" + i);
        }
        return dir;
    }

    private int train(RunSettings settings, RunDirectory run, boolean resuming, PrintStream stdout, PrintStream err)
            throws IOException {
        TrainConfig config = settings.trainConfig();
        NetConfig engineNet = config.engineNet();
        Dataset trainSet = DataSets.load(settings.dataset(), settings.data(), Split.TRAIN);
        if (settings.limit() > 0) {
            trainSet = trainSet.head(settings.limit());
        }
        Dataset testSet = DataSets.load(settings.dataset(), settings.data(), Split.TEST);

        RunDirectory.Checkpoint checkpoint = resuming ? run.load() : null;
        int done = checkpoint == null ? 0 : checkpoint.epoch();
        List<JsonObject> lines = checkpoint == null ? new ArrayList<>() : new ArrayList<>(checkpoint.metrics());
        Parameters start;
        if (checkpoint != null) {
            if (!checkpoint.model().config().equals(engineNet)) {
                throw new Errors.Failure(Errors.FAILURE, run.model() + ": holds net " + checkpoint.model().config()
                        + " but " + run.config() + " asks for " + engineNet + "; the run folder is inconsistent, start a new run");
            }
            start = checkpoint.model().parameters();
        } else {
            start = Parameters.initial(engineNet.net(), settings.seed());
        }
        if (done >= settings.epochs()) {
            err.println("run " + run.dir() + " already finished all " + settings.epochs() + " epochs; nothing to do");
            return Errors.OK;
        }

        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("method", settings.method().id());
        metadata.put("seed", Long.toString(settings.seed()));
        metadata.put("dataset", settings.dataset().key());
        try (Engine engine = Devices.open(settings.device(), engineNet, settings.threads(), err)) {
            engine.setParameters(start);
            if (checkpoint == null) {
                Files.createDirectories(run.dir());
                run.writeConfig(settings, Map.of("engine", engine.name()));
                run.save(engineNet, start, metadata, 0, null, lines);
            }
            err.println((resuming ? "resuming " + run.dir() + " at epoch " + (done + 1) : "run folder: " + run.dir())
                    + "; " + settings.method().id() + " " + settings.net() + " " + settings.units().id() + " on "
                    + trainSet.name() + " (" + trainSet.count() + " samples), " + settings.epochs() + " epochs");
            String resumeHint = "resume with: ./run.sh --resume " + run.dir();
            try (DeviceData train = engine.upload(trainSet); DeviceData test = engine.upload(testSet)) {
                Trainer trainer = new Trainer(engine, config);
                double totalSeconds = 0;
                for (int epoch = done + 1; epoch <= settings.epochs(); epoch++) {
                    StopSignal.training("the checkpoint of epoch " + (epoch - 1) + " in " + run.dir() + " is intact; "
                            + resumeHint, err);
                    EpochStats stats;
                    long t0 = System.nanoTime();
                    try (ProgressBar bar = Progress.bar(err, "epoch " + epoch + "/" + settings.epochs(), trainSet.count())) {
                        stats = trainer.trainEpoch(train, epoch, bar::stepTo);
                    } catch (DivergenceException e) {
                        throw new Errors.Failure(Errors.DIVERGED, String.format(Locale.ROOT, "training diverged in"
                                + " epoch %d, batch %d: a gradient held NaN or infinity (--lr %s, applied per layer as %s); the"
                                + " checkpoint of epoch %d in %s is intact; start a new run with a lower --lr, e.g. %s",
                                e.epoch(), e.batch() + 1, settings.lr(), java.util.Arrays.toString(config.ratesForEpoch(epoch)), epoch - 1,
                                run.dir(), settings.lr() / 10));
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    totalSeconds += seconds;
                    Evaluation trainEval = trainer.evaluate(train, false);
                    Evaluation testEval = trainer.evaluate(test, true);
                    JsonObject line = metricsLine(epoch, trainEval, testEval, seconds, trainSet.count() / seconds,
                            stats.meanSweeps());
                    lines.add(line);
                    run.save(engineNet, engine.parameters(), metadata, epoch, line, lines);
                    stdout.println(summary(epoch, settings.epochs(), trainEval, testEval, seconds, trainSet.count() / seconds,
                            stats.meanSweeps(), settings.method()));
                    if (StopSignal.requested() && epoch < settings.epochs()) {
                        err.println("stopped after epoch " + epoch + " (saved in " + run.dir() + "); " + resumeHint);
                        return Errors.INTERRUPTED;
                    }
                }
                stdout.println(finalSummary(lines, totalSeconds, run));
            } finally {
                StopSignal.training(null, err);
            }
        }
        return Errors.OK;
    }

    static JsonObject metricsLine(int epoch, Evaluation train, Evaluation test, double seconds, double samplesPerSecond,
                                  double meanSweeps) {
        JsonObject o = new JsonObject();
        o.addProperty("epoch", epoch);
        o.addProperty("train_acc", train.accuracy());
        o.addProperty("test_acc", test.accuracy());
        JsonArray fractions = new JsonArray();
        for (double f : test.linearFraction()) {
            fractions.add(f);
        }
        o.add("linear_fraction", fractions);
        o.addProperty("seconds", seconds);
        o.addProperty("samples_per_s", samplesPerSecond);
        o.addProperty("mean_sweeps", meanSweeps);
        addNumber(o, "free_energy", test.freeEnergy());
        addNumber(o, "clamped_energy", test.clampedEnergy());
        return o;
    }

    /** {@code value}, or JSON {@code null} when it is NaN or infinite (JSON has no NaN). */
    static void addNumber(JsonObject o, String key, double value) {
        if (Double.isFinite(value)) {
            o.addProperty(key, value);
        } else {
            o.add(key, JsonNull.INSTANCE);
        }
    }

    private static String summary(int epoch, int epochs, Evaluation train, Evaluation test, double seconds,
                                  double speed, double sweeps, Method method) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  train_acc %.4f  test_acc %.4f  linear",
                epoch, epochs, train.accuracy(), test.accuracy()));
        for (double f : test.linearFraction()) {
            sb.append(String.format(Locale.ROOT, " %.3f", f));
        }
        if (method.isLifted()) {
            sb.append(String.format(Locale.ROOT, "  sweeps %.1f  E_free %.4g  E_clamped %.4g", sweeps, test.freeEnergy(),
                    test.clampedEnergy()));
        }
        sb.append(String.format(Locale.ROOT, "  %.2f s  %.0f samples/s", seconds, speed));
        return sb.toString();
    }

    private static String finalSummary(List<JsonObject> lines, double seconds, RunDirectory run) {
        JsonObject last = lines.get(lines.size() - 1);
        int best = 0;
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).get("test_acc").getAsDouble() > lines.get(best).get("test_acc").getAsDouble()) {
                best = i;
            }
        }
        return String.format(Locale.ROOT, "done: %d epochs; final test_acc %.4f, train_acc %.4f; best test_acc %.4f"
                        + " (epoch %d); training time of this session %.1f s; results in %s",
                last.get("epoch").getAsInt(), last.get("test_acc").getAsDouble(), last.get("train_acc").getAsDouble(),
                lines.get(best).get("test_acc").getAsDouble(), lines.get(best).get("epoch").getAsInt(), seconds, run.dir());
    }
}
