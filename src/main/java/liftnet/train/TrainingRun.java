package liftnet.train;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EpochStats;
import liftnet.api.NetConfig;
import liftnet.api.Parameters;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.Split;

/**
 * One training run, epoch by epoch: train an epoch ({@link Trainer}), evaluate on the training and test sets,
 * then tell the listeners (progress, checkpoint, summaries). The command line's {@code train}, the
 * benchmarks and the tests all run training through this class.
 *
 * <p>A run in a folder ({@link RunFolder}), resumable after any stop, even {@code kill -9}:
 * <pre>{@code
 * RunFolder folder = new RunFolder(Path.of("runs/a"));
 * RunSettings settings = ...;                        // or folder.readConfig() to continue a run
 * try (TrainingRun run = TrainingRun.start(folder, settings, net -> Engines.open("cpu", net, settings.threads()))) {
 *     // TrainingRun.resume(folder, folder.readConfig(), engines) continues from the last saved epoch
 *     run.addListener(myListener);                   // after the checkpoint listener: sees saved epochs only
 *     List<EpochResult> metrics = run.runToEnd(() -> false);
 * }
 * }</pre>
 * {@code start} refuses a folder that already holds a run, loads the data sets, opens the engine through the
 * given function (the run closes it), writes {@code config.json} and the initial model (epoch 0), and adds the
 * listener that saves a checkpoint after every epoch. {@code resume} loads the last checkpoint instead; the
 * sample order of an epoch depends only on the seed and the epoch, so a resumed run repeats an uninterrupted
 * one (exactly, on the CPU engine with the same threads).
 *
 * <p>A run without a folder (benchmarks, tests): {@code new TrainingRun(engine, config, train, test, true)} on
 * an engine that holds the starting parameters; the caller keeps and closes the engine.
 *
 * <p>Calls: {@code (start | resume | new) -> addListener... -> (nextEpoch | runToEnd)... -> close}. Not
 * thread-safe. A diverging epoch throws {@link DivergenceException}; the last checkpoint stays intact.
 */
public final class TrainingRun implements AutoCloseable {

    /**
     * Hears about a run's epochs. Listeners are called in the order they were added; the checkpoint listener of
     * a run in a folder comes first, so the others see epochs that are already saved.
     */
    public interface Listener {

        /**
         * Epoch {@code epoch} of {@code epochs} starts training on {@code samples} samples.
         *
         * @return where to report the samples done; closed when the epoch's training ends, normally or not
         */
        default Progress epochStarted(int epoch, int epochs, int samples) {
            return Progress.NONE;
        }

        /** Epoch {@code result.epoch()} is trained and evaluated; {@code run.parameters()} are its result. */
        default void epochFinished(TrainingRun run, EpochResult result) throws IOException {
        }
    }

    /** The samples done so far in an epoch's training. */
    public interface Progress extends AutoCloseable {

        /** Reports nothing. */
        Progress NONE = samples -> { };

        /** {@code samples} samples of the epoch are done (called after every mini-batch). */
        void samplesDone(long samples);

        @Override
        default void close() {
        }
    }

    /** A {@code trainEval} that never measures the training accuracy. */
    private static final int NO_TRAIN_ACCURACY = -1;

    private final Engine engine;
    private final boolean ownsEngine;
    private final TrainConfig config;
    private final Trainer trainer;
    private final DeviceData train;
    private final DeviceData test;
    /** {@link RunSettings#trainEval()}, or {@link #NO_TRAIN_ACCURACY}. */
    private final int trainEval;
    private final List<EpochResult> history;
    private final List<Listener> listeners = new ArrayList<>();

    /**
     * A run without a folder, from the parameters {@code engine} holds now (epoch 0).
     *
     * @param engine        holds {@link TrainConfig#engineNet()}; not closed by the run
     * @param train         uploaded to the engine for the run's lifetime; its first {@code config.limit()} samples are
     *                      not taken here (pass them already cut)
     * @param trainAccuracy whether each epoch also measures the training accuracy (else {@link EpochResult#trainAccuracy()}
     *                      is NaN, and the epoch ends sooner)
     */
    public TrainingRun(Engine engine, TrainConfig config, Dataset train, Dataset test, boolean trainAccuracy) {
        this(engine, false, config, train, test, trainAccuracy ? RunSettings.TRAIN_EVAL_EVERY_EPOCH : NO_TRAIN_ACCURACY,
                List.of());
    }

    private TrainingRun(Engine engine, boolean ownsEngine, TrainConfig config, Dataset train, Dataset test,
                        int trainEval, List<EpochResult> history) {
        this.engine = engine;
        this.ownsEngine = ownsEngine;
        this.config = config;
        this.trainer = new Trainer(engine, config);
        this.trainEval = trainEval;
        this.history = new ArrayList<>(history);
        DeviceData uploadedTrain = engine.upload(train);
        try {
            this.test = engine.upload(test);
        } catch (RuntimeException e) {
            uploadedTrain.close();
            throw e;
        }
        this.train = uploadedTrain;
    }

    /**
     * Starts a new run in {@code folder}: see the class comment.
     *
     * @param engines opens the engine for the given net; the run closes it
     * @throws RunFolderException when the folder already holds a run, or is a file
     */
    public static TrainingRun start(RunFolder folder, RunSettings settings, Function<NetConfig, Engine> engines)
            throws IOException {
        checkNewFolder(folder);
        return begin(folder, settings, engines);
    }

    /** A new run in {@code folder}, whatever it holds: the initial model (epoch 0) and {@code config.json} are written. */
    private static TrainingRun begin(RunFolder folder, RunSettings settings, Function<NetConfig, Engine> engines)
            throws IOException {
        Parameters initial = Parameters.initial(settings.trainConfig().engineNet().net(), settings.seed(),
                settings.initScale());
        TrainingRun run = open(settings, engines, initial, List.of());
        try {
            Files.createDirectories(folder.dir());
            folder.writeConfig(settings, Map.of("engine", run.engine.name()));
            folder.save(run.config.engineNet(), initial, metadata(settings), 0, null, List.of());
        } catch (IOException | RuntimeException e) {
            run.close();
            throw e;
        }
        run.addListener(folder.checkpoints(metadata(settings), List.of()));
        return run;
    }

    /**
     * Continues the run in {@code folder} from its last saved epoch (from epoch 0 when no model was saved yet).
     *
     * @param settings the folder's own, {@link RunFolder#readConfig()}
     * @throws RunFolderException when the folder's files are missing or do not fit together
     */
    public static TrainingRun resume(RunFolder folder, RunSettings settings, Function<NetConfig, Engine> engines)
            throws IOException {
        RunFolder.Checkpoint checkpoint = folder.load();
        if (checkpoint == null) {
            return begin(folder, settings, engines);
        }
        NetConfig net = settings.trainConfig().engineNet();
        if (!checkpoint.model().config().equals(net)) {
            throw new RunFolderException(folder.model() + ": holds the net " + describe(checkpoint.model().config()) + " but "
                    + folder.config() + " asks for " + describe(net) + "; the run folder is inconsistent, start a new run");
        }
        List<EpochResult> history = new ArrayList<>();
        checkpoint.metrics().forEach(line -> history.add(RunFolder.epochResult(line)));
        TrainingRun run = open(settings, engines, checkpoint.model().parameters(), history);
        try {
            if (run.optimizer() != null) {
                OptimizerCheckpoint.load(folder.dir(), checkpoint.epoch(), run.optimizer());
            }
        } catch (IOException | RuntimeException e) {
            run.close();
            throw e;
        }
        run.addListener(folder.checkpoints(metadata(settings), checkpoint.metrics()));
        return run;
    }

    /** A net as the options name it: {@code 784-32-10 (relu units, gamma 0.125, hard clamp)}. */
    static String describe(NetConfig c) {
        return c.net() + " (" + c.units().id() + " units, gamma " + c.gamma() + ", " + c.outputLoss() + ")";
    }

    /**
     * Refuses a folder that holds a run or is a file, before any work is done.
     *
     * @throws RunFolderException saying what to do instead
     */
    public static void checkNewFolder(RunFolder folder) {
        java.nio.file.Path existing = folder.dir();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            throw new RunFolderException("--out " + folder.dir() + ": " + (existing.equals(folder.dir()) ? "is a file"
                    : existing + " is a file") + ", not a folder; pass a new folder (e.g. --out runs/my-run) or omit"
                    + " --out for runs/<dataset>-<method>-<time>");
        }
        if (existing != null && !Files.isWritable(existing)) {
            throw new RunFolderException("--out " + folder.dir() + ": " + existing + " is not writable; pass a folder"
                    + " you can write to");
        }
        if (folder.holdsRun()) {
            throw new RunFolderException("--out " + folder.dir() + ": the folder already holds a run ("
                    + RunFolder.CONFIG + " or " + RunFolder.MODEL + "); continue it with --resume " + folder.dir()
                    + " or choose another --out");
        }
    }

    private static TrainingRun open(RunSettings settings, Function<NetConfig, Engine> engines, Parameters start,
                                    List<EpochResult> history) {
        TrainConfig config = settings.trainConfig();
        // the device first: a missing or wrong device is reported before any data is read (or found missing)
        Engine engine = engines.apply(config.engineNet());
        try {
            Dataset trainSet = DataSets.load(settings.dataset(), settings.data(), Split.TRAIN, settings.inputChannels());
            if (settings.limit() > 0) {
                trainSet = trainSet.head(settings.limit());
            }
            Dataset testSet = DataSets.load(settings.dataset(), settings.data(), Split.TEST, settings.inputChannels());
            engine.setParameters(start);
            return new TrainingRun(engine, true, config, trainSet, testSet, settings.trainEval(), history);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    private static Map<String, String> metadata(RunSettings settings) {
        return Map.of("method", settings.method().id(), "seed", Long.toString(settings.seed()),
                "dataset", settings.dataset().key());
    }

    /** Adds a listener after those already added. */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public TrainConfig config() {
        return config;
    }

    /** The engine's name, e.g. {@code cpu (2 threads)}. */
    public String engineName() {
        return engine.name();
    }

    /** Training samples per epoch. */
    public int trainingSamples() {
        return train.dataset().count();
    }

    /** The last finished epoch (0 before the first). */
    public int epochsDone() {
        return history.size();
    }

    /** Whether all {@link TrainConfig#epochs()} are done. */
    public boolean finished() {
        return epochsDone() >= config.epochs();
    }

    /** The metrics of epochs {@code 1..epochsDone()}, those of a resumed run's earlier sessions included. */
    public List<EpochResult> history() {
        return List.copyOf(history);
    }

    /** The stateful optimizer ({@link Trainer#optimizer()}), or {@code null} for plain SGD. */
    public Optimizer optimizer() {
        return trainer.optimizer();
    }

    /** A copy of the current parameters (those of the last finished epoch between epochs). */
    public Parameters parameters() {
        return engine.parameters();
    }

    /**
     * Trains, evaluates and reports the next epoch.
     *
     * @throws IllegalStateException when the run is finished
     * @throws DivergenceException   when a gradient held NaN or infinity; nothing of the epoch is saved
     * @throws IOException           from a listener (a checkpoint that could not be written)
     */
    public EpochResult nextEpoch() throws IOException {
        if (finished()) {
            throw new IllegalStateException("all " + config.epochs() + " epochs are done");
        }
        int epoch = epochsDone() + 1;
        int samples = trainingSamples();
        List<Progress> progress = new ArrayList<>();
        long t0;
        EpochStats stats;
        try {
            for (Listener l : listeners) {
                progress.add(l.epochStarted(epoch, config.epochs(), samples));
            }
            t0 = System.nanoTime();
            stats = trainer.trainEpoch(train, epoch, done -> progress.forEach(p -> p.samplesDone(done)));
        } finally {
            progress.forEach(Progress::close);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double trainAcc = measuresTrainAccuracy(epoch) ? trainer.evaluate(train, false).accuracy() : Double.NaN;
        Evaluation testEval = trainer.evaluate(test, true);
        EpochResult result = new EpochResult(epoch, trainAcc, testEval.accuracy(), testEval.linearFraction(), seconds,
                samples / seconds, stats.meanSweeps(), testEval.freeEnergy(), testEval.clampedEnergy(),
                trainer.epochNudgeBound());
        history.add(result);
        for (Listener l : listeners) {
            l.epochFinished(this, result);
        }
        return result;
    }

    /** Whether epoch {@code epoch} measures the training accuracy: every {@code trainEval}-th epoch and the last. */
    private boolean measuresTrainAccuracy(int epoch) {
        if (trainEval == NO_TRAIN_ACCURACY) {
            return false;
        }
        return epoch == config.epochs() || (trainEval > 0 && epoch % trainEval == 0);
    }

    /**
     * Runs epochs until the run is finished or {@code stop} says yes after an epoch.
     *
     * @return the metrics of the epochs this call ran
     */
    public List<EpochResult> runToEnd(BooleanSupplier stop) throws IOException {
        List<EpochResult> ran = new ArrayList<>();
        while (!finished()) {
            ran.add(nextEpoch());
            if (stop.getAsBoolean()) {
                break;
            }
        }
        return ran;
    }

    /** Frees the uploaded data sets, and the engine when the run opened it. */
    @Override
    public void close() {
        try {
            train.close();
            test.close();
        } finally {
            if (ownsEngine) {
                engine.close();
            }
        }
    }
}
