package liftnet.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OptimizerConfig;
import liftnet.api.Units;
import liftnet.data.DataSets;
import liftnet.data.DatasetId;
import liftnet.api.Nudge;
import liftnet.train.DivergenceException;
import liftnet.train.NudgeBoundException;
import liftnet.train.EpochResult;
import liftnet.train.ProfiledEngine;
import liftnet.train.RunFolder;
import liftnet.train.RunFolderException;
import liftnet.train.RunSettings;
import liftnet.train.Schedule;
import liftnet.train.TrainingRun;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code train}: trains a net in a resumable run folder ({@link TrainingRun}, {@link RunFolder}). Per epoch: a progress bar
 * on stderr, then the checkpoint, then a one-line summary on stdout; a summary at the end.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a lifted net (the default subcommand).",
                "Writes config.json, model.safetensors and metrics.jsonl into the run folder",
                "after every epoch; --resume DIR continues a stopped run."})
final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ParentCommand
    Main main;

    @Mixin
    EngineOptions engineOptions;

    @Option(names = "--net", paramLabel = "WIDTHS", defaultValue = "784-64-64-64-10", converter = Converters.Net.class,
            description = {"Layers, input to output, joined by '-': dense widths",
                    "(784-64-10), or an image CxHxW first, then",
                    "convolutions c<F>k<K>[s<S>] (F filters of KxK,",
                    "stride S, default 1, zero padding K/2: an even K",
                    "reads K/2 pixels before the centre and K/2-1 after;",
                    "K at most 2H-1), p<K> (KxK average pooling after a",
                    "convolution), then dense widths. Examples:",
                    "1x28x28-c16k5s2-c32k3s2-64-10 (MNIST),",
                    "3x32x32-c16k3-p2-c32k3-p2-10 (CIFAR-10 in colour).",
                    "Default: ${DEFAULT-VALUE}"})
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

    @Option(names = "--output-loss", paramLabel = "L", defaultValue = "squared",
            description = "Output loss l of the clamped phase, which minimises E + beta l(z_L, y): squared (1/2 ||z_L - y||^2)"
                    + " or cross-entropy (logsumexp(z_L) - z_L[y], needs a finite --clamp-weight). Default:"
                    + " ${DEFAULT-VALUE}")
    String outputLoss;

    @Option(names = "--clamp-weight", paramLabel = "BETA", defaultValue = "inf",
            description = "Clamp weight beta > 0; inf with squared is the paper's hard clamp z_L = y. Default: ${DEFAULT-VALUE}")
    String clampWeight;

    @Option(names = "--warmup-epochs", paramLabel = "N", defaultValue = "0", description = "Epochs at lr x warmup-factor. Default: ${DEFAULT-VALUE}")
    int warmupEpochs;

    @Option(names = "--warmup-factor", paramLabel = "F", defaultValue = "1", description = "Learning-rate factor during warm-up, in (0, 1]. Default: ${DEFAULT-VALUE}")
    double warmupFactor;

    @Option(names = "--optimizer", paramLabel = "O", defaultValue = "sgd",
            description = "sgd (the paper's), momentum or adam (adam uses --lr in every layer; on GPU engines inside the update"
                    + " kernel). Default: ${DEFAULT-VALUE}")
    String optimizer;

    @Option(names = "--momentum", paramLabel = "MU", defaultValue = "0.9", description = "Momentum mu, Adam's beta1. Default: ${DEFAULT-VALUE}")
    double momentum;

    @Option(names = "--beta2", paramLabel = "B", defaultValue = "0.999", description = "Adam's beta2. Default: ${DEFAULT-VALUE}")
    double beta2;

    @Option(names = "--adam-epsilon", paramLabel = "E", defaultValue = "1e-8", description = "Adam's epsilon. Default: ${DEFAULT-VALUE}")
    double adamEpsilon;

    @Option(names = "--schedule", paramLabel = "S", defaultValue = "constant",
            description = "Learning rate after warm-up: constant, step (x --step-factor every --step-epochs) or cosine (to --cosine-floor x lr at the end). Default: ${DEFAULT-VALUE}")
    String schedule;

    @Option(names = "--step-epochs", paramLabel = "N", defaultValue = "30", description = "Step schedule: epochs between drops. Default: ${DEFAULT-VALUE}")
    int stepEpochs;

    @Option(names = "--step-factor", paramLabel = "F", defaultValue = "0.1", description = "Step schedule: factor per drop. Default: ${DEFAULT-VALUE}")
    double stepFactor;

    @Option(names = "--cosine-floor", paramLabel = "F", defaultValue = "0", description = "Cosine schedule: final factor. Default: ${DEFAULT-VALUE}")
    double cosineFloor;

    @Option(names = "--clamped-start", paramLabel = "P", defaultValue = "free",
            description = "Contrastive: start the clamped phase from the free minimiser (free) or the forward pass (forward). Default: ${DEFAULT-VALUE}")
    String clampedStart;

    @Option(names = "--nudge", paramLabel = "N", defaultValue = "one-sided",
            description = "Contrastive with a soft clamp: one-sided (E*(beta) - E*(0), the paper's) or symmetric"
                    + " ((E*(beta) - E*(-beta)) / 2, O(beta^2) closer to the gradient of the loss; needs beta below the"
                    + " convexity bound of E - beta l, checked every step on the CPU engine, every epoch on GPU engines)."
                    + " Default: ${DEFAULT-VALUE}")
    String nudge;

    @Option(names = "--init-scale", paramLabel = "S", defaultValue = "1", description = "Initial weights ~ N(0, S^2 / n_k). Default: ${DEFAULT-VALUE}")
    double initScale;

    @Option(names = "--train-eval", paramLabel = "N", defaultValue = "1",
            description = "Measure the training accuracy after every N-th epoch and after the last (0: the last only);"
                    + " each costs one inference per training sample. Default: ${DEFAULT-VALUE}")
    int trainEval;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seeds the initial weights and the sample order. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Train on the first N samples only (0: all). Default: ${DEFAULT-VALUE}")
    int limit;

    @Option(names = "--out", paramLabel = "DIR", description = "Run folder. Default: runs/<dataset>-<method>-<timestamp>")
    Path out;

    @Option(names = "--profile", description = "Per epoch, print launches and host synchronisations per step and the time"
            + " by phase (device timers on GPU engines, wall time on the CPU)")
    boolean profile;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the run in DIR with its own settings (DIR/config.json); other options are ignored, except"
                    + " --data for a data folder that moved and --epochs N, which extends the run to N epochs (a cosine"
                    + " schedule then stays at its final rate)")
    Path resume;

    @Override
    public Integer call() throws IOException {
        PrintStream err = main.err;
        RunSettings settings;
        RunFolder folder;
        if (resume != null) {
            folder = new RunFolder(resume);
            settings = folder.readConfig();
            List<String> ignored = new ArrayList<>();
            boolean extend = false;
            for (CommandLine.Model.OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
                String name = o.longestName();
                extend |= name.equals("--epochs");
                if (!name.equals("--resume") && !name.equals("--data") && !name.equals("--epochs")) {
                    ignored.add(name);
                }
            }
            if (!ignored.isEmpty()) {
                err.println("note: --resume uses the settings in " + folder.config() + "; ignoring " + String.join(", ", ignored));
            }
            settings = relocatedData(settings, err);
            if (extend && epochs != settings.epochs()) {
                settings = extended(folder, settings, err);
            }
        } else {
            settings = fromOptions();
            folder = new RunFolder(out != null ? out : defaultOut(settings));
            try {
                TrainingRun.checkNewFolder(folder);
            } catch (RunFolderException e) {
                throw Errors.usage(spec.commandLine(), e.getMessage());
            }
        }
        boolean host = !settings.device().startsWith("opencl") && !settings.device().startsWith("cuda")
                && !settings.device().equals("gpu");
        MemoryEstimate.of(settings.net(), settings.batch(), host).require(settings.net().toString(), Runtime.getRuntime().maxMemory());
        return train(settings, folder, resume != null, err);
    }

    /**
     * {@code --resume DIR --epochs N}: the run's settings over {@code N} epochs, written to its {@code config.json} (so that
     * a later plain {@code --resume} goes on to {@code N}), with one note saying what the schedule does over the added
     * epochs.
     */
    private RunSettings extended(RunFolder folder, RunSettings recorded, PrintStream err) throws IOException {
        RunSettings longer;
        try {
            longer = recorded.extendedTo(epochs);
        } catch (IllegalArgumentException e) {
            throw Errors.usage(spec.commandLine(), e.getMessage() + " (the run in " + folder.dir() + ")");
        }
        Schedule s = longer.schedule();
        String lr = "--lr " + longer.lr();
        String rate = switch (s.kind()) {
            case CONSTANT -> "the learning rate stays at " + lr;
            case STEP -> "the step schedule goes on: x" + s.factor() + " every " + s.every() + " epochs after warm-up";
            case COSINE -> "the cosine schedule stays at its final rate, " + s.floor() + " x " + lr + " (it fell over the first "
                    + (longer.warmupEpochs() + s.horizon()) + " epochs)";
        };
        String added = epochs == recorded.epochs() + 1 ? "epoch " + epochs : "epochs " + (recorded.epochs() + 1) + "-" + epochs;
        err.println("note: extending " + folder.dir() + " from " + epochs(recorded.epochs()) + " to " + epochs + "; over "
                + added + " " + rate);
        folder.rewriteConfig(longer);
        return longer;
    }

    /**
     * A resumed run's settings with its data folder moved when the recorded one is gone: to {@code --data DIR} when
     * given, else to the project's {@code data/<dataset>} for the data sets whose files are checked by SHA-256 (so the
     * run continues on the same bytes). Anything else keeps the recorded folder, whose absence the loader reports.
     */
    private RunSettings relocatedData(RunSettings recorded, PrintStream err) {
        Path moved = null;
        if (data != null) {
            moved = data.toAbsolutePath().normalize();
        } else if (!Files.isDirectory(recorded.data()) && DataSets.checkedBySha256(recorded.dataset())) {
            Path fallback = defaultData(recorded.dataset()).toAbsolutePath().normalize();
            if (Files.isDirectory(fallback)) {
                moved = fallback;
            }
        }
        if (moved == null || moved.equals(recorded.data())) {
            return recorded;
        }
        err.println("note: reading " + recorded.dataset().key() + " from " + moved + " instead of the recorded "
                + recorded.data() + (data != null ? " (--data)" : " (not found)"));
        return recorded.withData(moved);
    }

    RunSettings fromOptions() {
        Path dataDir = data != null ? data : defaultData(dataset);
        engineOptions.validate(spec.commandLine());
        if (method.isLifted()) {
            engineOptions.requireSweeps(spec.commandLine(), "--method " + method.id());
        }
        EngineOptions o = engineOptions;
        try {
            if (!clampedStart.equals("free") && !clampedStart.equals("forward")) {
                throw new IllegalArgumentException("--clamped-start " + clampedStart + ": expected free or forward");
            }
            return new RunSettings(dataset, dataDir.toAbsolutePath().normalize(), net, units, gamma, method, epochs, batch,
                    lr, o.sweeps, o.tol, o.solver, warmupEpochs, warmupFactor, seed, limit, o.threadCount(), o.device,
                    RunSettings.outputLoss(outputLoss, clampWeight),
                    new OptimizerConfig(OptimizerConfig.Kind.parse(optimizer), momentum, beta2, adamEpsilon),
                    new Schedule(Schedule.Kind.parse(schedule), stepEpochs, stepFactor, cosineFloor),
                    clampedStart.equals("forward"), initScale, trainEval, parseNudge(nudge));
        } catch (IllegalArgumentException e) {
            throw Errors.usage(spec.commandLine(), e.getMessage());
        }
    }

    private static Nudge parseNudge(String text) {
        try {
            return Nudge.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--nudge " + text + ": expected one-sided or symmetric");
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

    private int train(RunSettings settings, RunFolder folder, boolean resuming, PrintStream err) throws IOException {
        ProfiledEngine[] profiled = new ProfiledEngine[1];
        Function<NetConfig, Engine> engines = net -> {
            Engine e = Devices.open(settings.device(), net, settings.threads(), engineOptions.switches(), err);
            if (!profile) {
                return e;
            }
            profiled[0] = new ProfiledEngine(e);
            return profiled[0];
        };
        try (TrainingRun run = resuming ? TrainingRun.resume(folder, settings, engines)
                : TrainingRun.start(folder, settings, engines)) {
            if (run.finished()) {
                err.println("run " + folder.dir() + " already finished all " + epochs(settings.epochs()) + "; nothing to do");
                return Errors.OK;
            }
            err.println((resuming ? "resuming " + folder.dir() + " at epoch " + (run.epochsDone() + 1)
                    : "run folder: " + folder.dir()) + "; " + settings.method().id() + " " + settings.net() + " "
                    + settings.units().id() + " on " + settings.dataset().key() + " (" + run.trainingSamples()
                    + " samples), " + epochs(settings.epochs()));
            String resumeHint = "resume with: ./run.sh --resume " + folder.dir();
            run.addListener(new Console(folder, resumeHint, settings.method(), main.out, err));
            if (profiled[0] != null) {
                run.addListener(profileListener(profiled[0], main.out));
            }
            if (main.afterEpoch != null) {
                run.addListener(main.afterEpoch);
            }
            List<EpochResult> ran;
            try {
                ran = run.runToEnd(StopSignal::requested);
            } catch (NudgeBoundException e) {
                throw new Errors.Failure(Errors.DIVERGED, String.format(Locale.ROOT, "%s; the checkpoint of epoch %d in %s is"
                        + " intact; start a new run with a smaller --clamp-weight, e.g. %.3g (half the bound)",
                        e.getMessage(), e.epoch() - 1, folder.dir(), e.bound() / 2));
            } catch (DivergenceException e) {
                throw new Errors.Failure(Errors.DIVERGED, String.format(Locale.ROOT, "training diverged in"
                        + " epoch %d, batch %d: a gradient held NaN or infinity (--lr %s, applied per layer as %s); the"
                        + " checkpoint of epoch %d in %s is intact; start a new run with a lower --lr, e.g. %s",
                        e.epoch(), e.batch() + 1, settings.lr(), Arrays.toString(run.config().ratesForEpoch(e.epoch())),
                        e.epoch() - 1, folder.dir(), settings.lr() / 10));
            } finally {
                StopSignal.training(null, err);
            }
            if (!run.finished()) {
                err.println("stopped after epoch " + run.epochsDone() + " (saved in " + folder.dir() + "); " + resumeHint);
                return Errors.INTERRUPTED;
            }
            main.out.println(finalSummary(run.history(), ran, folder));
        }
        return Errors.OK;
    }

    /** {@code --profile}: the profile of each epoch's training (not of its evaluation) on stdout when the training ends. */
    private static TrainingRun.Listener profileListener(ProfiledEngine engine, PrintStream out) {
        return new TrainingRun.Listener() {
            @Override
            public TrainingRun.Progress epochStarted(int epoch, int epochs, int samples) {
                engine.drainReport(); // what set-up and evaluation did is not the epoch's
                return new TrainingRun.Progress() {
                    @Override
                    public void samplesDone(long done) {
                    }

                    @Override
                    public void close() {
                        out.print("profile epoch " + epoch + " (" + engine.name() + "):\n" + engine.drainReport() + "\n");
                    }
                };
            }
        };
    }

    /** Shows a run on the console: a progress bar per epoch on stderr, a summary line per saved epoch on stdout. */
    private static final class Console implements TrainingRun.Listener {
        private final RunFolder folder;
        private final String resumeHint;
        private final Method method;
        private final PrintStream out;
        private final PrintStream err;

        Console(RunFolder folder, String resumeHint, Method method, PrintStream out, PrintStream err) {
            this.folder = folder;
            this.resumeHint = resumeHint;
            this.method = method;
            this.out = out;
            this.err = err;
        }

        @Override
        public TrainingRun.Progress epochStarted(int epoch, int epochs, int samples) {
            StopSignal.training("the checkpoint of epoch " + (epoch - 1) + " in " + folder.dir() + " is intact; "
                    + resumeHint, err);
            ProgressBar bar = Progress.bar(err, "epoch " + epoch + "/" + epochs, samples);
            return new TrainingRun.Progress() {
                @Override
                public void samplesDone(long done) {
                    bar.stepTo(done);
                }

                @Override
                public void close() {
                    bar.close();
                }
            };
        }

        @Override
        public void epochFinished(TrainingRun run, EpochResult r) {
            out.println(summary(r, run.config().epochs(), method));
        }
    }

    private static String summary(EpochResult r, int epochs, Method method) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  train_acc %s  test_acc %.4f  linear",
                r.epoch(), epochs, accuracy(r.trainAccuracy()), r.testAccuracy()));
        for (double f : r.linearFraction()) {
            sb.append(String.format(Locale.ROOT, " %.3f", f));
        }
        if (method.isLifted()) {
            sb.append(String.format(Locale.ROOT, "  sweeps %.1f  E_free %.4g  E_clamped-E_free %.2e", r.meanSweeps(),
                    r.freeEnergy(), r.clampedEnergy() - r.freeEnergy()));
        }
        sb.append(String.format(Locale.ROOT, "  %.2f s  %.0f samples/s", r.seconds(), r.samplesPerSecond()));
        return sb.toString();
    }

    /** An accuracy with four decimals, or {@code -} for an epoch that did not measure it ({@code --train-eval}). */
    private static String accuracy(double a) {
        return Double.isNaN(a) ? "-" : String.format(Locale.ROOT, "%.4f", a);
    }

    /** {@code "1 epoch"}, {@code "2 epochs"}. */
    static String epochs(int n) {
        return n == 1 ? "1 epoch" : n + " epochs";
    }

    private static String finalSummary(List<EpochResult> all, List<EpochResult> ran, RunFolder folder) {
        EpochResult last = all.get(all.size() - 1);
        EpochResult best = all.get(0);
        for (EpochResult r : all) {
            if (r.testAccuracy() > best.testAccuracy()) {
                best = r;
            }
        }
        double seconds = ran.stream().mapToDouble(EpochResult::seconds).sum();
        return String.format(Locale.ROOT, "done: %s; final test_acc %.4f, train_acc %s; best test_acc %.4f"
                        + " (epoch %d); training time of this session %.1f s; results in %s",
                epochs(last.epoch()), last.testAccuracy(), accuracy(last.trainAccuracy()), best.testAccuracy(), best.epoch(), seconds,
                folder.dir());
    }
}
