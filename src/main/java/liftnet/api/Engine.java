package liftnet.api;

import liftnet.data.Dataset;

/**
 * A backend that holds one lifted network and one mini-batch of activations, and runs the phases of
 * training on them. The orchestrator ({@code liftnet.train}) drives it; it never sees buffers or kernels.
 *
 * <p>Order of calls per mini-batch:
 * <pre>
 * selectBatch -> forward -> [inferFree] -> [inferClamped] -> computeGradient -> applyUpdate
 *                                                          -> accumulateMetrics (evaluation)
 * </pre>
 * {@code inferFree} starts from the forward activations; {@code inferClamped} starts from the free
 * minimiser when {@code inferFree} ran for the current batch (it differs from the clamped one only by the
 * clamp's effect, so fewer sweeps reach a tolerance), else from the forward activations, with
 * {@code z_L = y}. Both must follow {@code forward} for the current batch. Statistics and metrics
 * stay inside the engine until {@link #drainStats()}, so a GPU engine moves no data to the host per batch.
 *
 * <p>Engines are not thread-safe; one thread drives one engine.
 */
public interface Engine extends AutoCloseable {

    /** Human-readable engine and device, e.g. {@code cpu (2 threads)} or {@code opencl:0 NVIDIA H100}. */
    String name();

    NetConfig config();

    /**
     * What the engine can train: update rules, soft clamps, solvers, layer kinds. The same value as its
     * provider's {@link EngineProvider#capabilities()}; ask it instead of the name.
     */
    EngineCapabilities capabilities();

    /** Copies {@code p} into the engine. {@code p} is not modified and not retained. */
    void setParameters(Parameters p);

    /** A copy of the engine's current parameters. */
    Parameters parameters();

    /** Makes {@code data} available to batches; on a GPU it is uploaded once and stays there. */
    DeviceData upload(Dataset data);

    /**
     * Selects the batch {@code order[from .. from+size)} of {@code data}: samples
     * {@code order[from]}, ..., {@code order[from+size-1]}. Invalidates all activations.
     */
    void selectBatch(DeviceData data, int[] order, int from, int size);

    /** Size of the selected batch. */
    int batchSize();

    /** Forward pass {@code z_{k+1} = Proj_C(W_k z_k + b_k)}, {@code z_L = W_{L-1} z_{L-1} + b_{L-1}}. */
    void forward();

    /** Minimises {@code E(z; x)} over {@code z_1..z_L}, starting from the forward pass. */
    void inferFree(SolverConfig solver);

    /**
     * Minimises {@code E(z; x)} with {@code z_L = onehot(y)}, starting from the free minimiser if this batch has
     * one, else from the forward pass. With a soft clamp ({@link NetConfig#outputLoss()} not hard) it minimises
     * {@code E(z; x) + beta l(z_L, y)} over {@code z_1..z_L} instead; engines that do not implement soft clamps
     * refuse such a config when they are created ({@link EngineException}).
     */
    void inferClamped(SolverConfig solver);

    /**
     * Symmetric nudging's negatively nudged phase ({@link Phase#NEGATIVE}): minimises {@code E(z; x) - beta l(z_L, y)}
     * over {@code z_1..z_L} for the soft clamp of {@link NetConfig#outputLoss()}, starting like {@link #inferClamped}
     * (from the free minimiser if this batch has one, else from the forward pass). The problem is well posed only
     * while {@code E - beta l} is convex, which depends on the weights: the caller checks it
     * ({@code liftnet.train.NudgeBound}). Engines that lack it keep this default, which refuses it
     * ({@link EngineCapabilities#negativeNudge()}).
     *
     * @throws EngineException       when the engine has no negative phase
     * @throws IllegalStateException for the hard clamp, or without a forward pass of this batch
     */
    default void inferNegative(SolverConfig solver) {
        throw capabilities().unsupported("--nudge symmetric (the negatively nudged phase)");
    }

    /**
     * Batch-mean gradient of {@code method}'s loss with respect to all parameters, into the engine's
     * gradient buffer (overwritten). With {@code lambda_{k+1} = z_{k+1} - W_k z_k - b_k}:
     * {@code dE/dW_k = -gamma^k lambda_{k+1} z_k^T}, {@code dE/db_k = -gamma^k lambda_{k+1}};
     * contrastive: {@code dE(z_clamped) - dE(z_free)}, or, when {@link #inferNegative} ran for this batch, the gradient of
     * symmetric nudging's loss {@code (E*(beta) - E*(-beta)) / 2}, {@code (dE(z_clamped) - dE(z_negative)) / 2};
     * lifted: {@code dE(z_clamped)}; backprop and linear:
     * the gradient of {@code 1/2 ||z_L - y||^2} through the forward pass. Needs the phases the method uses.
     */
    void computeGradient(Method method);

    /**
     * {@code W_k -= rates[k] * G_k}, {@code b_k -= rates[k] * g_k} for every layer {@code k} (with SGD; with the
     * stateful rule of {@link #setOptimizer}, that rule's step at rate {@code rates[k]}). A gradient
     * holding a NaN or an infinity is not applied; the first such update is reported by
     * {@link EpochStats#firstNonFiniteUpdate()}.
     *
     * @param rates one learning rate per weight layer; not modified
     */
    void applyUpdate(double[] rates);

    /**
     * Makes {@link #applyUpdate(double[])} apply {@code optimizer}'s rule, with its state (moments, step count) kept
     * by the engine and starting fresh (zero moments, step 0). SGD is every engine's default.
     *
     * @return whether the engine applies the rule itself; {@code false}: it applies plain SGD only and the caller
     *         steps a stateful rule on the host ({@link #gradient()}, {@link #setParameters}), as the orchestrator
     *         does for the CPU engine, whose memory is the host's
     * @throws EngineException when the engine cannot train with the rule at all ({@link EngineCapabilities#optimizers()})
     */
    default boolean setOptimizer(OptimizerConfig optimizer) {
        if (!capabilities().optimizers().contains(optimizer.kind())) {
            throw capabilities().unsupported("--optimizer " + optimizer.kind().id());
        }
        return !optimizer.hasState();
    }

    /**
     * A copy of the state of the rule set by {@link #setOptimizer} when the engine applies it (moments read back
     * from the device): for checkpoints at an epoch's end, not per step.
     *
     * @throws IllegalStateException when the engine keeps no optimizer state
     */
    default OptimizerState optimizerState() {
        throw new IllegalStateException("engine " + name() + " keeps no optimizer state");
    }

    /**
     * Replaces the state of the rule set by {@link #setOptimizer} by {@code state} (copied), e.g. on resume.
     *
     * @throws IllegalArgumentException when {@code state} is of another rule or net
     * @throws IllegalStateException    when the engine keeps no optimizer state
     */
    default void restoreOptimizerState(OptimizerState state) {
        throw new IllegalStateException("engine " + name() + " keeps no optimizer state");
    }

    /** {@link #applyUpdate(double[])} with the same rate for every layer. */
    default void applyUpdate(double rate) {
        double[] rates = new double[config().net().layers()];
        java.util.Arrays.fill(rates, rate);
        applyUpdate(rates);
    }

    /**
     * Adds the current batch to the metrics: correct predictions (argmax of {@code z_L} of phase
     * {@code prediction}), units strictly inside {@code C} per hidden layer of that phase, and the free and
     * clamped energies of the phases inferred for this batch.
     */
    void accumulateMetrics(Phase prediction);

    /** Returns and resets the statistics gathered since the last call. */
    EpochStats drainStats();

    // ---- inspection: these copy to the host and are meant for tests, tools and per-epoch checks ----

    /** Activations of layer {@code layer} ({@code 0..L}) of {@code phase}, row-major {@code [batch x n_layer]}. */
    float[] activations(Phase phase, int layer);

    /**
     * Energy {@code E(z; x)} of each sample of the batch at the activations of {@code phase}; for a soft-clamped
     * phase, the objective it minimises, {@code E(z; x) + beta l(z_L, y)}.
     */
    double[] energies(Phase phase);

    /**
     * KKT residual of {@code phase}'s problem: {@code max |z - Proj_C(z - dE/dz)|} over the free variables
     * (hidden units, and the output in the free phase and in a soft-clamped one, where the gradient includes
     * {@code beta grad l(z_L, y)}).
     */
    double kktResidual(Phase phase);

    /** A copy of the gradient buffer filled by {@link #computeGradient}. */
    Parameters gradient();

    // ---- profiling (--profile): engines without counters of their own keep the defaults ----

    /**
     * Starts counting launches and host synchronisations and, where the device has them, device timers.
     *
     * @return whether the engine keeps a profile ({@link #drainProfile()} returns one)
     */
    default boolean enableProfiling() {
        return false;
    }

    /** The profile since {@link #enableProfiling()} or the last drain, then reset; {@code null} when none is kept. */
    default EngineProfile drainProfile() {
        return null;
    }

    /** Frees native resources; logs instead of throwing. */
    @Override
    void close();
}
