package liftnet.api;

import java.util.EnumSet;
import java.util.Set;

/**
 * What an engine can train, declared by its backend in one place ({@link EngineProvider#capabilities()}, the same
 * value as {@link Engine#capabilities()}): the orchestrator and the command line ask it instead of guessing from
 * the engine's name. A new backend (or a new feature of one) changes only its own constant.
 *
 * @param engine      the backend id used in messages, e.g. {@code opencl}
 * @param optimizers  update rules {@link Engine#applyUpdate(double[])} can apply ({@link Engine#setOptimizer})
 * @param softClamps  output losses of a soft clamp ({@link OutputLoss}, finite {@code beta}) the clamped phase runs;
 *                    the hard clamp runs everywhere
 * @param solvers     activation solvers
 * @param convolution whether the engine runs convolutional layers (a net spec with such layers asks it)
 * @param pooling     whether the engine runs average pooling after a convolution ({@code p<K>}, {@link Pooling})
 * @param negativeNudge whether it runs symmetric nudging's negatively nudged phase ({@link Engine#inferNegative}) for
 *                    its soft clamps
 * @param boundCheck  when the trainer checks the negative phase's convexity bound on the engine's weights
 */
public record EngineCapabilities(String engine, Set<OptimizerConfig.Kind> optimizers, Set<OutputLoss.Kind> softClamps,
                                 Set<Solver> solvers, boolean convolution, boolean pooling, boolean negativeNudge,
                                 BoundCheck boundCheck) {

    /**
     * When the trainer checks that symmetric nudging's negative phase, {@code min E - beta l}, is convex at the engine's
     * weights ({@code liftnet.train.NudgeBound}, which needs the weights on the host).
     */
    public enum BoundCheck {
        /** Before every negative phase: the engine's weights are in host memory (the CPU engine). */
        STEP,
        /**
         * At every epoch's start and end, on weights read back there (two reads per epoch, none per step: GPU engines,
         * whose steps never wait for the device). Between two checks the non-finite-update guard stands, as for any run.
         */
        EPOCH
    }

    public EngineCapabilities {
        if (engine == null || engine.isBlank() || optimizers == null || softClamps == null || solvers == null
                || boundCheck == null) {
            throw new IllegalArgumentException("engine id, optimizers, soft clamps, solvers and bound check are required");
        }
        if (!optimizers.contains(OptimizerConfig.Kind.SGD) || solvers.isEmpty()) {
            throw new IllegalArgumentException("engine " + engine + ": every engine runs SGD and at least one solver;"
                    + " found optimizers " + optimizers + ", solvers " + solvers);
        }
        optimizers = Set.copyOf(optimizers);
        softClamps = Set.copyOf(softClamps);
        solvers = Set.copyOf(solvers);
    }

    /** An engine without average pooling and without the negatively nudged phase. */
    public EngineCapabilities(String engine, Set<OptimizerConfig.Kind> optimizers, Set<OutputLoss.Kind> softClamps,
                              Set<Solver> solvers, boolean convolution) {
        this(engine, optimizers, softClamps, solvers, convolution, false, false, BoundCheck.STEP);
    }

    /** An engine without the negatively nudged phase. */
    public EngineCapabilities(String engine, Set<OptimizerConfig.Kind> optimizers, Set<OutputLoss.Kind> softClamps,
                              Set<Solver> solvers, boolean convolution, boolean pooling) {
        this(engine, optimizers, softClamps, solvers, convolution, pooling, false, BoundCheck.STEP);
    }

    /** Everything: the CPU engine's. */
    public static EngineCapabilities all(String engine) {
        return new EngineCapabilities(engine, EnumSet.allOf(OptimizerConfig.Kind.class), EnumSet.allOf(OutputLoss.Kind.class),
                EnumSet.allOf(Solver.class), true, true, true, BoundCheck.STEP);
    }

    /** Whether {@code loss} runs here: the hard clamp always, a soft clamp when its kind is listed. */
    public boolean supports(OutputLoss loss) {
        return loss.isHard() || softClamps.contains(loss.kind());
    }

    /**
     * The first thing of a run the engine lacks, as the option that asks for it (e.g.
     * {@code --optimizer adam}), or {@code null} when it runs everything asked for.
     *
     * @param solver    {@code null} when the run infers no activations
     * @param optimizer {@code null} when the run applies no update
     */
    public String missing(NetConfig net, SolverConfig solver, OptimizerConfig optimizer) {
        String layers = missingLayers(net.net());
        if (layers != null) {
            return layers;
        }
        if (optimizer != null && !optimizers.contains(optimizer.kind())) {
            return "--optimizer " + optimizer.kind().id();
        }
        if (!supports(net.outputLoss())) {
            return "--output-loss " + net.outputLoss().kind().id() + " with a finite --clamp-weight (the soft clamp)";
        }
        if (solver != null && !solvers.contains(solver.solver())) {
            return "--solver " + solver.solver().id();
        }
        return null;
    }

    /**
     * The layer kind of {@code net} the engine does not run ({@code convolutional layers}, {@code average pooling
     * (p<K>)}), or {@code null}.
     */
    public String missingLayers(NetSpec net) {
        if (net.hasConv() && !convolution) {
            return "convolutional layers";
        }
        return net.hasPooling() && !pooling ? "average pooling (p<K>)" : null;
    }

    /**
     * Refuses a net whose layer kinds the engine does not run, before anything is built for it.
     *
     * @throws EngineException {@code the X engine does not support convolutional layers; use --device cpu}
     */
    public void requireLayers(NetSpec net) {
        String lacking = missingLayers(net);
        if (lacking != null) {
            throw unsupported(lacking);
        }
    }

    /**
     * Refuses what {@link #missing} names.
     *
     * @throws EngineException {@code the X engine does not support Y; use --device cpu}
     */
    public void require(NetConfig net, SolverConfig solver, OptimizerConfig optimizer) {
        String lacking = missing(net, solver, optimizer);
        if (lacking != null) {
            throw unsupported(lacking);
        }
    }

    /** The one-line refusal of {@code what}: {@code the X engine does not support what; use --device cpu}. */
    public EngineException unsupported(String what) {
        return new EngineException("the " + engine + " engine does not support " + what + "; use --device cpu");
    }
}
