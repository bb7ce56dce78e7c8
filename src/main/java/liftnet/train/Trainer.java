package liftnet.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineCapabilities;
import liftnet.api.EpochStats;
import liftnet.api.Method;
import liftnet.api.Nudge;
import liftnet.api.OptimizerState;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;

/**
 * The orchestrator: runs epochs of mini-batch SGD on an {@link Engine}, phase by phase, and evaluates. It
 * knows phases, not devices. Per batch:
 * <pre>
 * contrastive: forward -> inferFree -> inferClamped -> computeGradient -> applyUpdate
 * symmetric:   forward -> inferFree -> inferClamped -> inferNegative -> computeGradient -> applyUpdate
 * lifted:      forward -> inferClamped -> computeGradient -> applyUpdate
 * backprop, linear: forward -> computeGradient -> applyUpdate
 * </pre>
 * With {@link TrainConfig#clampedFromForward()} the contrastive phases run clamped first, so that both start
 * from the forward pass (with symmetric nudging: both nudged phases from the forward pass, no free phase). The trainer
 * checks that the negative phase is well posed at the current weights ({@link NudgeBound}) and stops with
 * {@link NudgeBoundException} when it is not: before each negative phase where the engine's weights are host memory,
 * at each epoch's start and end on the others ({@link EngineCapabilities.BoundCheck}). What the run needs is checked against the engine's {@link EngineCapabilities} first
 * ({@link #requireSupported}). A stateful optimizer runs where the engine says ({@link Engine#setOptimizer}): inside
 * the engine's update (GPU engines: moments in device memory, nothing crosses to the host per step; the state is
 * read back into {@link #optimizer()} at each epoch's end, for the checkpoint, and written to the engine when a
 * resumed run restored it), or on the host (CPU engine): the trainer takes the gradient, steps and sets the
 * parameters back.
 */
public final class Trainer {

    private final Engine engine;
    private final TrainConfig config;
    private final Optimizer optimizer;
    /** Whether the engine applies the stateful optimizer itself ({@link Engine#setOptimizer}). */
    private final boolean onEngine;
    /** The step count of the state the engine holds; the host copy is written to it when the counts differ. */
    private long engineSteps;
    /** The convexity bound of the negative phase; {@code null} unless the nudge is symmetric. */
    private final NudgeBound nudgeBound;
    /** Whether the bound is checked before every negative phase, else at the epoch's boundaries. */
    private final boolean boundEveryStep;
    /** The smallest bound met in the current (or last) epoch; infinite before its first symmetric step. */
    private double smallestBound = Double.POSITIVE_INFINITY;

    /** {@code engine} must hold {@link TrainConfig#engineNet()}; its parameters are the starting point. */
    public Trainer(Engine engine, TrainConfig config) {
        if (!engine.config().equals(config.engineNet())) {
            throw new IllegalArgumentException("engine holds " + engine.config() + " but the run needs " + config.engineNet());
        }
        requireSupported(engine.capabilities(), config);
        this.engine = engine;
        this.config = config;
        this.optimizer = Optimizer.create(config.optimizer(), config.engineNet().net());
        // Always set, SGD included: the engine may still hold another run's rule.
        boolean applies = engine.setOptimizer(config.optimizer());
        this.onEngine = optimizer != null && applies;
        this.nudgeBound = config.nudge() == Nudge.SYMMETRIC ? new NudgeBound(config.engineNet()) : null;
        this.boundEveryStep = engine.capabilities().boundCheck() == EngineCapabilities.BoundCheck.STEP;
    }

    /**
     * The smallest convexity bound of the negative phase ({@link NudgeBound}) met by the symmetric steps of the last
     * epoch (engines checked per epoch: the smaller of the bounds at its start and end), or NaN (one-sided nudging, or
     * no step yet).
     */
    public double epochNudgeBound() {
        return Double.isFinite(smallestBound) ? smallestBound : Double.NaN;
    }

    /**
     * Refuses a run that needs what the engine lacks: its update rule, its soft clamp, its solver (schedules need no
     * state and run anywhere).
     *
     * @throws liftnet.api.EngineException {@code the X engine does not support Y; use --device cpu}
     */
    public static void requireSupported(EngineCapabilities capabilities, TrainConfig config) {
        capabilities.require(config.engineNet(), config.method().isLifted() ? config.solver() : null, config.optimizer());
        if (config.nudge() == Nudge.SYMMETRIC && !capabilities.negativeNudge()) {
            throw capabilities.unsupported("--nudge symmetric (the negatively nudged phase)");
        }
    }

    /** The stateful optimizer, or {@code null} for plain SGD; its state belongs in every checkpoint. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * The sample order of epoch {@code epoch} (1-based): a permutation of {@code 0..count-1} that depends only
     * on the seed and the epoch, so a resumed run sees the same batches.
     */
    public static int[] order(long seed, int epoch, int count) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * Trains one epoch over {@code train}.
     *
     * @param progress called with the number of samples done after each batch; may be {@code null}
     * @return training statistics (sweeps) of the epoch
     * @throws DivergenceException when a gradient was not finite, or ({@link NudgeBoundException}) when symmetric
     *                             nudging's negative phase is not convex at the weights of a batch (engines checked per
     *                             epoch: at the weights the epoch starts or ends with)
     */
    public EpochStats trainEpoch(DeviceData train, int epoch, LongConsumer progress) {
        int count = train.dataset().count();
        int[] order = order(config.seed(), epoch, count);
        Method method = config.method();
        SolverConfig solver = config.solver();
        boolean freeFirst = method == Method.CONTRASTIVE && !config.clampedFromForward();
        boolean symmetric = nudgeBound != null;
        smallestBound = Double.POSITIVE_INFINITY;
        double beta = config.engineNet().outputLoss().weight();
        if (onEngine && optimizer.steps() != engineSteps) {
            engine.restoreOptimizerState(new OptimizerState(config.optimizer().kind(), optimizer.steps(), slots()));
        }
        Parameters host = optimizer == null || onEngine ? null : engine.parameters();
        engine.drainStats();
        if (symmetric && !boundEveryStep) {
            checkBound(engine.parameters(), beta, epoch, 0, false);
        }
        for (int from = 0; from < count; from += config.batch()) {
            int size = Math.min(config.batch(), count - from);
            double[] rates = config.rates(epoch, (double) from / count);
            if (symmetric && boundEveryStep) {
                checkBound(host != null ? host : engine.parameters(), beta, epoch, from / config.batch(), false);
            }
            engine.selectBatch(train, order, from, size);
            engine.forward();
            if (freeFirst) {
                engine.inferFree(solver);
            }
            if (method.isLifted()) {
                engine.inferClamped(solver);
            }
            if (symmetric) {
                engine.inferNegative(solver);
            } else if (method == Method.CONTRASTIVE && !freeFirst) {
                engine.inferFree(solver);
            }
            engine.computeGradient(method);
            if (optimizer == null || onEngine) {
                engine.applyUpdate(rates);
            } else {
                Parameters g = engine.gradient();
                if (!g.isFinite()) {
                    throw new DivergenceException(epoch, from / config.batch(), config.learningRate());
                }
                optimizer.step(host, g, rates);
                engine.setParameters(host);
            }
            if (progress != null) {
                progress.accept(from + size);
            }
        }
        EpochStats stats = engine.drainStats();
        if (stats.diverged()) {
            throw new DivergenceException(epoch, stats.firstNonFiniteUpdate(), config.learningRate());
        }
        if (symmetric && !boundEveryStep) {
            checkBound(engine.parameters(), beta, epoch, (count - 1) / config.batch(), true);
        }
        if (onEngine) {
            OptimizerState state = engine.optimizerState();
            optimizer.restore(state.steps(), state.slots().toArray(Parameters[]::new));
            engineSteps = state.steps();
        }
        return stats;
    }

    /**
     * Symmetric nudging's convexity check at weights {@code p} (the weights batch {@code batch} of {@code epoch} starts
     * from, or with {@code after} the weights it ended with).
     *
     * @throws NudgeBoundException when {@code beta} is not below the bound
     */
    private void checkBound(Parameters p, double beta, int epoch, int batch, boolean after) {
        double bound = nudgeBound.bound(p);
        smallestBound = Math.min(smallestBound, bound);
        if (!(beta < bound)) {
            throw new NudgeBoundException(epoch, batch, after, beta, bound, nudgeBound.g());
        }
    }

    private List<Parameters> slots() {
        List<Parameters> slots = new ArrayList<>();
        for (int i = 0; i < optimizer.slotCount(); i++) {
            slots.add(optimizer.slot(i));
        }
        return slots;
    }

    /**
     * Accuracy, linear fraction and mean energies on {@code data}: free-phase activations for lifted methods
     * (clamped energies too when {@code withClamped}), the forward pass otherwise.
     */
    public Evaluation evaluate(DeviceData data, boolean withClamped) {
        return evaluate(engine, data, config.method().isLifted(), config.solver(), withClamped, config.batch());
    }

    /** Evaluation with explicit settings, for tools that have no {@link TrainConfig}. */
    public static Evaluation evaluate(Engine engine, DeviceData data, boolean lifted, SolverConfig solver,
                                      boolean withClamped, int batch) {
        int count = data.dataset().count();
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        int evalBatch = Math.max(batch, 500);
        engine.drainStats();
        for (int from = 0; from < count; from += evalBatch) {
            int size = Math.min(evalBatch, count - from);
            engine.selectBatch(data, order, from, size);
            engine.forward();
            if (lifted) {
                engine.inferFree(solver);
                if (withClamped) {
                    engine.inferClamped(solver);
                }
            }
            engine.accumulateMetrics(lifted ? Phase.FREE : Phase.FORWARD);
        }
        EpochStats stats = engine.drainStats();
        return new Evaluation(stats.accuracy(), stats.linearFraction(engine.config().net()),
                lifted ? stats.meanFreeEnergy() : Double.NaN,
                lifted && withClamped ? stats.meanClampedEnergy() : Double.NaN, stats.samples());
    }
}
