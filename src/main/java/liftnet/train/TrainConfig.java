package liftnet.train;

import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.Nudge;
import liftnet.api.OptimizerConfig;
import liftnet.api.SolverConfig;

/**
 * Everything that determines a training run, validated once.
 *
 * @param net          the lifted net (for {@link Method#LINEAR} only its input and output widths are used)
 * @param method       training objective
 * @param epochs       number of epochs, at least 1
 * @param batch        mini-batch size (the paper: 50)
 * @param learningRate {@code eta_BP} (the paper: 1/20); lifted methods scale it by {@code 1/gamma^(L-1)}
 * @param warmupEpochs epochs at the start whose learning rate is multiplied by {@code warmupFactor} (0: none)
 * @param warmupFactor learning-rate factor during warm-up, in (0, 1]
 * @param solver       activation inference for training and evaluation of lifted methods
 * @param seed         seeds the initial weights and the sample order of every epoch
 * @param limit        use only the first {@code limit} training samples (0: all)
 * @param optimizer    the update rule (the paper: plain SGD)
 * @param schedule     the learning-rate factor after warm-up (the paper: constant)
 * @param clampedFromForward contrastive only: start the clamped phase from the forward pass instead of the free
 *                     minimiser (both phases then start from the forward pass)
 * @param nudge        contrastive with a soft clamp: {@link Nudge#ONE_SIDED} (the paper's clamped minus free) or
 *                     {@link Nudge#SYMMETRIC} ({@code (E*(beta) - E*(-beta)) / 2}); the learning rate is the same rule
 *                     for both ({@link Method#layerRate}), as both estimate {@code beta} times the same gradient
 */
public record TrainConfig(NetConfig net, Method method, int epochs, int batch, double learningRate,
                          int warmupEpochs, double warmupFactor, SolverConfig solver, long seed, int limit,
                          OptimizerConfig optimizer, Schedule schedule, boolean clampedFromForward, Nudge nudge) {

    /** The paper's mini-batch size. */
    public static final int PAPER_BATCH = 50;
    /** The paper's back-propagation learning rate. */
    public static final double PAPER_LEARNING_RATE = 1.0 / 20;

    public TrainConfig {
        if (net == null || method == null || solver == null || optimizer == null || schedule == null || nudge == null) {
            throw new IllegalArgumentException("net, method, solver, optimizer, schedule and nudge are required");
        }
        if (nudge == Nudge.SYMMETRIC && (method != Method.CONTRASTIVE || net.outputLoss().isHard())) {
            throw new IllegalArgumentException("symmetric nudging needs the contrastive method with a soft clamp; found "
                    + method.id() + " with the " + net.outputLoss());
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1; found " + epochs);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1; found " + batch);
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a positive number; found " + learningRate
                    + " (the paper uses 0.05)");
        }
        if (warmupEpochs < 0 || !(warmupFactor > 0 && warmupFactor <= 1)) {
            throw new IllegalArgumentException("warm-up needs epochs >= 0 and a factor in (0, 1]; found "
                    + warmupEpochs + " epochs, factor " + warmupFactor);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0; found " + limit);
        }
    }

    /** One-sided nudging (the paper's contrastive loss). */
    public TrainConfig(NetConfig net, Method method, int epochs, int batch, double learningRate, int warmupEpochs,
                       double warmupFactor, SolverConfig solver, long seed, int limit, OptimizerConfig optimizer,
                       Schedule schedule, boolean clampedFromForward) {
        this(net, method, epochs, batch, learningRate, warmupEpochs, warmupFactor, solver, seed, limit, optimizer,
                schedule, clampedFromForward, Nudge.ONE_SIDED);
    }

    /** The paper's update: plain SGD at a constant rate (after any warm-up), clamped phase from the free minimiser. */
    public TrainConfig(NetConfig net, Method method, int epochs, int batch, double learningRate, int warmupEpochs,
                       double warmupFactor, SolverConfig solver, long seed, int limit) {
        this(net, method, epochs, batch, learningRate, warmupEpochs, warmupFactor, solver, seed, limit,
                OptimizerConfig.sgd(), Schedule.constant(), false);
    }

    /** The net the engine runs: the configured one, or input-to-output for linear regression. */
    public NetConfig engineNet() {
        return method == Method.LINEAR ? new NetConfig(net.net().inputToOutput(), net.units(), net.gamma()) : net;
    }

    /** Learning rate per weight layer at the start of epoch {@code epoch} (1-based): {@link #rates(int, double)}. */
    public double[] ratesForEpoch(int epoch) {
        return rates(epoch, 0);
    }

    /**
     * Learning rate per weight layer at a point of training: the layer's base rate ({@link Method#layerRate}, or
     * {@code eta_BP} for every layer with Adam, whose step does not scale with the gradient) times
     * {@code warmupFactor} in the first {@code warmupEpochs} epochs, else times the schedule's factor.
     *
     * @param epoch    1-based
     * @param fraction share of the epoch done, in [0, 1)
     */
    public double[] rates(int epoch, double fraction) {
        NetConfig engineNet = engineNet();
        double factor = epoch <= warmupEpochs ? warmupFactor
                : schedule.factor(epoch - 1 - warmupEpochs, fraction, Math.max(1, epochs - warmupEpochs));
        double[] rates = new double[engineNet.net().layers()];
        for (int k = 0; k < rates.length; k++) {
            double base = optimizer.kind() == OptimizerConfig.Kind.ADAM ? learningRate
                    : method.layerRate(learningRate, engineNet, k);
            rates[k] = base * factor;
        }
        return rates;
    }

    /** Whether every update is the paper's plain SGD step at the epoch's rate (any engine can apply it). */
    public boolean isPlainSgd() {
        return !optimizer.hasState();
    }
}
