package liftnet.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import liftnet.api.ConvLayer;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Nudge;
import liftnet.api.OptimizerConfig;
import liftnet.api.OutputLoss;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.data.DatasetId;

/**
 * Every setting of a training run, as given on the command line and saved in {@code config.json} so that
 * {@code --resume} continues with exactly the same ones. {@link TrainingRun} starts and resumes runs from it. Validated in the constructor; messages name the
 * option, the value found and a valid example.
 *
 * @param dataset      which data set
 * @param data         its folder (absolute)
 * @param net          layer widths
 * @param units        hidden units
 * @param gamma        feedback weight in (0, 1]
 * @param method       training objective
 * @param epochs       epochs in all, at least 1
 * @param batch        mini-batch size, at least 1
 * @param lr           {@code eta_BP}, positive and finite; the method's scaling is applied by {@link TrainConfig}
 * @param sweeps       solver sweeps (the maximum when {@code tol} is set), at least 0
 * @param tol          relative energy-change tolerance of the solver, or {@code null} for a fixed number of sweeps
 * @param solver       activation solver
 * @param warmupEpochs epochs at a reduced learning rate (0: none)
 * @param warmupFactor learning-rate factor during warm-up, in (0, 1]
 * @param seed         seeds the initial weights and the sample order
 * @param limit        first {@code limit} training samples (0: all)
 * @param threads      CPU threads, which set the speed only (the CPU engines give the same results on any count); a resumed run reuses it
 * @param device       the {@code --device} value
 * @param outputLoss   the clamped phase's output: {@link OutputLoss#HARD}, or a soft clamp (lifted methods only)
 * @param optimizer    the update rule ({@code --optimizer}; SGD unless given)
 * @param schedule     the learning-rate schedule after warm-up ({@code --schedule}; constant unless given)
 * @param clampedFromForward {@code --clamped-start forward}: the clamped phase starts from the forward pass
 * @param initScale    factor on the initial weights' standard deviation {@code 1/sqrt(n_k)} ({@code --init-scale})
 * @param trainEval    {@code --train-eval}: measure the training accuracy after every {@code trainEval}-th epoch and
 *                     after the last ({@code 0}: after the last only); each measurement is one inference per training
 *                     sample, as costly as the free phases of an epoch
 * @param nudge        {@code --nudge}: one-sided (the paper's) or symmetric (contrastive with a soft clamp only)
 */
public record RunSettings(DatasetId dataset, Path data, NetSpec net, Units units, double gamma, Method method, int epochs,
                   int batch, double lr, int sweeps, Double tol, Solver solver, int warmupEpochs, double warmupFactor,
                   long seed, int limit, int threads, String device, OutputLoss outputLoss, OptimizerConfig optimizer,
                   Schedule schedule, boolean clampedFromForward, double initScale, int trainEval, Nudge nudge) {

    /** Training accuracy after every epoch (the default of {@code --train-eval}). */
    public static final int TRAIN_EVAL_EVERY_EPOCH = 1;

    public RunSettings {
        require(trainEval >= 0, "--train-eval " + trainEval + ": must be at least 0 (the training accuracy after every"
                + " N-th epoch and after the last; 0: after the last only), e.g. 5");
        require(dataset != null && data != null && net != null && units != null && method != null && solver != null
                && device != null && optimizer != null && schedule != null, "a setting is missing");
        require(initScale > 0 && Double.isFinite(initScale), "--init-scale " + initScale
                + ": must be a positive number, e.g. 1 (weights ~ N(0, 1/n_k), the paper's)");
        require(!clampedFromForward || method == Method.CONTRASTIVE, "--clamped-start forward: only the contrastive"
                + " method infers a free phase first; drop it or use --method contrastive");
        require(gamma > 0 && gamma <= 1, "--gamma " + gamma + ": must be in (0, 1], e.g. 0.125 (the paper's value)");
        require(epochs >= 1, "--epochs " + epochs + ": must be at least 1, e.g. 100");
        require(batch >= 1, "--batch " + batch + ": must be at least 1, e.g. 50 (the paper's value)");
        require(lr > 0 && Double.isFinite(lr), "--lr " + lr
                + ": the learning rate must be a positive finite number, e.g. 0.05 (the paper's eta_BP)");
        require(sweeps >= 0, "--sweeps " + sweeps + ": must be at least 0, e.g. 15 (the paper's value)");
        require(tol == null || (tol > 0 && Double.isFinite(tol)), "--tol " + tol
                + ": must be a positive finite number, e.g. 1e-6");
        require(warmupEpochs >= 0, "--warmup-epochs " + warmupEpochs + ": must be at least 0");
        require(warmupFactor > 0 && warmupFactor <= 1, "--warmup-factor " + warmupFactor + ": must be in (0, 1], e.g. 0.1");
        require(limit >= 0, "--limit " + limit + ": must be at least 0 (0: all training samples)");
        require(threads >= 1, "--threads " + threads + ": must be at least 1");
        require(outputLoss != null && nudge != null, "a setting is missing");
        require(nudge != Nudge.SYMMETRIC || method == Method.CONTRASTIVE, "--nudge symmetric: --method " + method.id()
                + " has no contrastive loss to nudge from both sides; use --method contrastive or drop --nudge");
        require(nudge != Nudge.SYMMETRIC || !outputLoss.isHard(), "--nudge symmetric: the hard clamp (--clamp-weight inf)"
                + " has no negatively nudged phase; give a soft clamp below the convexity bound, e.g. --clamp-weight "
                + String.format(java.util.Locale.ROOT, "%.3g", Math.pow(gamma, net.layers() - 1) / 8)
                + " (g / 8, g = gamma^(L-1))");
        double g = Math.pow(gamma, net.layers() - 1);
        require(nudge != Nudge.SYMMETRIC || outputLoss.weight() < g, String.format(java.util.Locale.ROOT,
                "--nudge symmetric --clamp-weight %s: beta must be below g = gamma^(L-1) = %.4g, where E - beta l stops"
                + " being convex in z_L alone (the joint bound, checked every step, is lower still); use e.g."
                + " --clamp-weight %.3g (g / 8)", outputLoss.weightText(), g, g / 8));
        require(outputLoss.isHard() || method.isLifted(), "--output-loss " + outputLoss.kind().id() + " --clamp-weight "
                + outputLoss.weightText() + ": a soft clamp changes the clamped phase, which --method " + method.id()
                + " does not have; use --method contrastive or lifted, or drop --output-loss and --clamp-weight");
        if (net.hasConv()) {
            ConvLayer first = net.conv(0);
            int side = (int) Math.round(Math.sqrt(dataset.width()));
            if (first.height() != side || first.width() != side || dataset.channelsOf(first.inputs()) != first.channels()) {
                throw new IllegalArgumentException("--net " + net + ": the input image " + first.inputShape()
                        + " does not match " + dataset.key() + ", whose images are " + dataset.imagesText()
                        + "; use e.g. --net 1x" + side + "x" + side + net.toString().substring(first.inputShape().length()));
            }
        }
        if (dataset.channelsOf(net.inputs()) == 0) {
            throw new IllegalArgumentException("--net " + net + ": the input width " + net.inputs() + " does not match "
                    + dataset.key() + ", which has " + dataset.inputsText() + " per sample; use e.g. --net "
                    + withEnds(net, dataset.width(), dataset.classes()));
        }
        if (net.outputs() != dataset.classes()) {
            throw new IllegalArgumentException("--net " + net + ": the output width " + net.outputs() + " does not match "
                    + dataset.key() + ", which has " + dataset.classes() + " classes; use e.g. --net "
                    + withEnds(net, dataset.width(), dataset.classes()));
        }
    }

    /**
     * Settings with the paper's hard clamp, update rule and initial weights: plain SGD, constant rate, clamped phase
     * from the free one.
     */
    public RunSettings(DatasetId dataset, Path data, NetSpec net, Units units, double gamma, Method method, int epochs,
                       int batch, double lr, int sweeps, Double tol, Solver solver, int warmupEpochs, double warmupFactor,
                       long seed, int limit, int threads, String device) {
        this(dataset, data, net, units, gamma, method, epochs, batch, lr, sweeps, tol, solver, warmupEpochs, warmupFactor,
                seed, limit, threads, device, OutputLoss.HARD, OptimizerConfig.sgd(), Schedule.constant(), false, 1,
                TRAIN_EVAL_EVERY_EPOCH);
    }

    /** Settings with one-sided nudging (the paper's contrastive loss). */
    public RunSettings(DatasetId dataset, Path data, NetSpec net, Units units, double gamma, Method method, int epochs,
                       int batch, double lr, int sweeps, Double tol, Solver solver, int warmupEpochs, double warmupFactor,
                       long seed, int limit, int threads, String device, OutputLoss outputLoss, OptimizerConfig optimizer,
                       Schedule schedule, boolean clampedFromForward, double initScale, int trainEval) {
        this(dataset, data, net, units, gamma, method, epochs, batch, lr, sweeps, tol, solver, warmupEpochs, warmupFactor,
                seed, limit, threads, device, outputLoss, optimizer, schedule, clampedFromForward, initScale, trainEval,
                Nudge.ONE_SIDED);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** {@code net} with its first and last widths replaced. */
    private static String withEnds(NetSpec net, int inputs, int outputs) {
        int[] w = net.widths();
        w[0] = inputs;
        w[w.length - 1] = outputs;
        if (w.length == 2) {
            return inputs + "-64-" + outputs;
        }
        return new NetSpec(w).toString();
    }

    /**
     * These settings over {@code more} epochs in all, the first {@link #epochs()} unchanged: warm-up and a step schedule
     * are functions of the epoch; a cosine schedule keeps its horizon, the epochs it had after warm-up, so its rate stays
     * at the final factor over the added epochs.
     *
     * @throws IllegalArgumentException when {@code more} is not above {@link #epochs()}
     */
    public RunSettings extendedTo(int more) {
        if (more <= epochs) {
            throw new IllegalArgumentException("--epochs " + more + ": the run has " + epochs + " epochs; --resume extends a"
                    + " run, so give more than " + epochs);
        }
        Schedule kept = schedule.kind() == Schedule.Kind.COSINE && schedule.horizon() == 0
                ? schedule.withHorizon(Math.max(1, epochs - warmupEpochs)) : schedule;
        return new RunSettings(dataset, data, net, units, gamma, method, more, batch, lr, sweeps, tol, solver,
                warmupEpochs, warmupFactor, seed, limit, threads, device, outputLoss, optimizer, kept,
                clampedFromForward, initScale, trainEval);
    }

    /** These settings reading the data from {@code folder} instead (a moved data folder; the files are the same). */
    public RunSettings withData(Path folder) {
        return new RunSettings(dataset, folder, net, units, gamma, method, epochs, batch, lr, sweeps, tol, solver,
                warmupEpochs, warmupFactor, seed, limit, threads, device, outputLoss, optimizer, schedule,
                clampedFromForward, initScale, trainEval, nudge);
    }

    /** The image channels the net reads from the data set: 1 (grayscale) or 3 (CIFAR-10 in colour). */
    public int inputChannels() {
        return dataset.channelsOf(net.inputs());
    }

    public NetConfig netConfig() {
        return new NetConfig(net, units, gamma, outputLoss);
    }

    /**
     * The output loss of {@code --output-loss KIND --clamp-weight BETA}; BETA {@code inf} with {@code squared} is the
     * hard clamp.
     *
     * @throws IllegalArgumentException naming the option and a valid example
     */
    public static OutputLoss outputLoss(String kind, String beta) {
        OutputLoss.Kind k;
        try {
            k = OutputLoss.Kind.parse(kind);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--output-loss " + kind + ": expected squared or cross-entropy");
        }
        double weight;
        try {
            weight = OutputLoss.parseWeight(beta);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--clamp-weight " + beta + ": expected a positive number or inf (the hard"
                    + " clamp), e.g. 10");
        }
        if (k == OutputLoss.Kind.CROSS_ENTROPY && Double.isInfinite(weight)) {
            throw new IllegalArgumentException("--output-loss cross-entropy needs a finite --clamp-weight (its infinite"
                    + " limit has no minimiser); add e.g. --clamp-weight 1");
        }
        return new OutputLoss(k, weight);
    }

    public SolverConfig solverConfig() {
        return tol == null ? SolverConfig.fixed(solver, sweeps) : SolverConfig.tolerance(solver, tol, sweeps);
    }

    public TrainConfig trainConfig() {
        return new TrainConfig(netConfig(), method, epochs, batch, lr, warmupEpochs, warmupFactor, solverConfig(),
                seed, limit, optimizer, schedule, clampedFromForward, nudge);
    }

    /** The settings as the JSON object of {@code config.json}. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("dataset", dataset.key());
        o.addProperty("data", data.toString());
        o.addProperty("net", net.toString());
        o.addProperty("units", units.id());
        o.addProperty("gamma", gamma);
        o.addProperty("method", method.id());
        o.addProperty("epochs", epochs);
        o.addProperty("batch", batch);
        o.addProperty("lr", lr);
        com.google.gson.JsonArray rates = new com.google.gson.JsonArray();
        for (double r : trainConfig().ratesForEpoch(warmupEpochs + 1)) {
            rates.add(r);
        }
        o.add("lr_per_layer", rates);
        o.addProperty("sweeps", sweeps);
        if (tol == null) {
            o.add("tol", com.google.gson.JsonNull.INSTANCE);
        } else {
            o.addProperty("tol", tol);
        }
        o.addProperty("solver", solver.id());
        o.addProperty("warmup_epochs", warmupEpochs);
        o.addProperty("warmup_factor", warmupFactor);
        o.addProperty("seed", seed);
        o.addProperty("limit", limit);
        o.addProperty("threads", threads);
        o.addProperty("device", device);
        o.addProperty("output_loss", outputLoss.kind().id());
        if (outputLoss.isHard()) {
            o.addProperty("clamp_weight", outputLoss.weightText());
        } else {
            o.addProperty("clamp_weight", outputLoss.weight());
        }
        o.addProperty("optimizer", optimizer.kind().id());
        o.addProperty("momentum", optimizer.momentum());
        o.addProperty("beta2", optimizer.beta2());
        o.addProperty("epsilon", optimizer.epsilon());
        o.addProperty("schedule", schedule.kind().id());
        o.addProperty("step_epochs", schedule.every());
        o.addProperty("step_factor", schedule.factor());
        o.addProperty("cosine_floor", schedule.floor());
        if (schedule.horizon() > 0) {
            o.addProperty("cosine_epochs", schedule.horizon());
        }
        o.addProperty("clamped_start", clampedFromForward ? "forward" : "free");
        o.addProperty("init_scale", initScale);
        o.addProperty("train_eval", trainEval);
        o.addProperty("nudge", nudge.id());
        return o;
    }

    /**
     * Reads settings written by {@link #toJson()}.
     *
     * @param source names the file in messages
     * @throws RunFolderException naming the file and the key when a setting is missing or invalid
     */
    public static RunSettings fromJson(String json, Path source) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw new JsonParseException("not a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new RunFolderException(source + ": not valid JSON (" + String.valueOf(e.getMessage()).replaceFirst("^[\\w.$]+(Exception|Error): ", "")
                    .lines().findFirst().orElse("").replaceFirst("\\.?\\s*See https?://\\S+$", "").strip()
                    + "); it must be the config.json written by train");
        }
        try {
            JsonElement tol = o.get("tol");
            return new RunSettings(DatasetId.parse(string(o, "dataset")), Path.of(string(o, "data")),
                    NetSpec.parse(string(o, "net")), Units.parse(string(o, "units")), number(o, "gamma").doubleValue(),
                    Method.parse(string(o, "method")), number(o, "epochs").intValue(), number(o, "batch").intValue(),
                    number(o, "lr").doubleValue(), number(o, "sweeps").intValue(),
                    tol == null || tol.isJsonNull() ? null : tol.getAsDouble(), Solver.parse(string(o, "solver")),
                    number(o, "warmup_epochs").intValue(), number(o, "warmup_factor").doubleValue(),
                    number(o, "seed").longValue(), number(o, "limit").intValue(), number(o, "threads").intValue(),
                    string(o, "device"), outputLoss(o), optimizerOf(o), scheduleOf(o),
                    "forward".equals(optional(o, "clamped_start", "free")), optionalNumber(o, "init_scale", 1),
                    (int) optionalNumber(o, "train_eval", TRAIN_EVAL_EVERY_EPOCH),
                    Nudge.parse(optional(o, "nudge", Nudge.ONE_SIDED.id())));
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new RunFolderException(source + ": " + e.getMessage()
                    + "; it must be the config.json written by train");
        }
    }

    /** {@code output_loss} and {@code clamp_weight}; absent (a run from before soft clamps) means the hard clamp. */
    private static OutputLoss outputLoss(JsonObject o) {
        JsonElement kind = o.get("output_loss");
        JsonElement weight = o.get("clamp_weight");
        if ((kind == null || kind.isJsonNull()) && (weight == null || weight.isJsonNull())) {
            return OutputLoss.HARD;
        }
        return outputLoss(string(o, "output_loss"), string(o, "clamp_weight"));
    }

    /** The optimizer of a config.json; runs written before the option existed used plain SGD. */
    private static OptimizerConfig optimizerOf(JsonObject o) {
        return new OptimizerConfig(OptimizerConfig.Kind.parse(optional(o, "optimizer", "sgd")),
                optionalNumber(o, "momentum", OptimizerConfig.DEFAULT_MOMENTUM),
                optionalNumber(o, "beta2", OptimizerConfig.DEFAULT_BETA2),
                optionalNumber(o, "epsilon", OptimizerConfig.DEFAULT_EPSILON));
    }

    /** The schedule of a config.json; runs written before the option existed used a constant rate. */
    private static Schedule scheduleOf(JsonObject o) {
        Schedule constant = Schedule.constant();
        return new Schedule(Schedule.Kind.parse(optional(o, "schedule", "constant")),
                (int) optionalNumber(o, "step_epochs", constant.every()), optionalNumber(o, "step_factor", constant.factor()),
                optionalNumber(o, "cosine_floor", constant.floor()), (int) optionalNumber(o, "cosine_epochs", 0));
    }

    private static String optional(JsonObject o, String key, String absent) {
        return o.has(key) && !o.get(key).isJsonNull() ? string(o, key) : absent;
    }

    private static double optionalNumber(JsonObject o, String key, double absent) {
        return o.has(key) && !o.get(key).isJsonNull() ? number(o, key).doubleValue() : absent;
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("setting '" + key + "' is missing");
        }
        return e.getAsString();
    }

    private static Number number(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull() || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("setting '" + key + "' is missing or not a number");
        }
        return e.getAsNumber();
    }
}
