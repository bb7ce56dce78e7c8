package liftnet.bench;

import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineException;
import liftnet.api.Engines;
import liftnet.api.EpochStats;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.data.Dataset;
import liftnet.train.Trainer;

/**
 * One benchmark trial's state: an engine holding a ReLU net with the paper's gamma, its data uploaded once,
 * and a seeded sample order that successive operations walk through batch by batch (as an epoch does).
 *
 * <p>Every operation ends with {@link Engine#drainStats()}: it returns the sweep counts, and on a GPU engine
 * it reads back from the device, so the operation's kernels have finished when the operation returns (an
 * asynchronous queue would otherwise be timed by its enqueue cost). On the CPU it sums a few counters.
 */
final class Workload implements AutoCloseable {

    /** Seed of the weights, the sample order and the synthetic inputs. */
    static final long SEED = 20190909L;
    /** The paper's back-propagation learning rate. */
    static final double ETA_BP = 1.0 / 20;

    final NetConfig config;
    final Engine engine;
    final Dataset dataset;
    final DeviceData data;
    final int batch;
    final int[] order;
    final Parameters initial;
    private final double[] contrastiveRates;
    private final double[] backpropRates;
    private int next;
    private long sweeps;
    private long inferences;
    private long updates;
    private boolean diverged;

    Workload(NetConfig config, Engine engine, Dataset dataset, int batch) {
        this.config = config;
        this.engine = engine;
        this.dataset = dataset;
        this.batch = batch;
        this.initial = Parameters.initial(config.net(), SEED);
        engine.setParameters(initial);
        this.data = engine.upload(dataset);
        this.order = Trainer.order(SEED, 1, dataset.count());
        int layers = config.net().layers();
        contrastiveRates = new double[layers];
        backpropRates = new double[layers];
        for (int k = 0; k < layers; k++) {
            contrastiveRates[k] = Method.CONTRASTIVE.layerRate(ETA_BP, config, k);
            backpropRates[k] = Method.BACKPROP.layerRate(ETA_BP, config, k);
        }
    }

    /** The benchmarked net: ReLU hidden units, gamma = 1/8. */
    static NetConfig netConfig(String net) {
        return new NetConfig(NetSpec.parse(net), Units.RELU, NetConfig.PAPER_GAMMA);
    }

    /**
     * Relative energy decrease of a sweep below which the {@code tol} solver stops. At 1e-8 training lost 0.2
     * points of MNIST test accuracy on average over 8 epochs (1.1 after the 8th) against 15 sweeps; at 1e-9,
     * 0.6 sweeps more, it lost 0.1 on average and none after the 8th.
     */
    static final double TOLERANCE = 1e-9;

    /** The solver of a {@code sweeps} parameter: {@code 15} (fixed Jacobi sweeps) or {@code tol} ({@link #TOLERANCE}, at most 15). */
    static SolverConfig solver(String sweeps) {
        return switch (sweeps) {
            case "15" -> SolverConfig.fixed(Solver.JACOBI, SolverConfig.PAPER_SWEEPS);
            case "tol" -> SolverConfig.tolerance(Solver.JACOBI, TOLERANCE, SolverConfig.PAPER_SWEEPS);
            default -> throw new IllegalArgumentException("sweeps must be 15 or tol; found " + sweeps);
        };
    }

    /**
     * Opens engine {@code engineId} ({@code cpu}, {@code opencl}, {@code cuda}; a backend's first device). The
     * CPU engine runs on all processors, or on {@code -Dliftnet.bench.cpuThreads=N} threads.
     *
     * @throws EngineException naming what was found, when the backend or its device is absent
     */
    static Workload open(String engineId, String net, int batch) {
        NetConfig config = netConfig(net);
        Dataset dataset = BenchData.forNet(config.net().inputs(), config.net().outputs(), SEED);
        return new Workload(config, openEngine(engineId, config), dataset, batch);
    }

    /** Engine {@code engineId} holding {@code config}; see {@link #open}. */
    static Engine openEngine(String engineId, NetConfig config) {
        int cpuThreads = Integer.getInteger("liftnet.bench.cpuThreads", 0);
        try {
            return Engines.open(engineId, config, cpuThreads);
        } catch (EngineException e) {
            throw new EngineException("engine " + engineId + " absent: " + e.getMessage());
        }
    }

    /** Selects the next batch of the order, wrapping around at its end. */
    private void nextBatch() {
        if (next + batch > order.length) {
            next = 0;
        }
        engine.selectBatch(data, order, next, batch);
        next += batch;
    }

    /** One contrastive training step: forward, free and clamped inference, gradient, SGD update. */
    void contrastiveStep(SolverConfig solver) {
        nextBatch();
        engine.forward();
        engine.inferFree(solver);
        engine.inferClamped(solver);
        engine.computeGradient(Method.CONTRASTIVE);
        engine.applyUpdate(contrastiveRates);
        drain();
    }

    /** Free-phase inference alone (prediction): forward and free inference. */
    void freeInference(SolverConfig solver) {
        nextBatch();
        engine.forward();
        engine.inferFree(solver);
        drain();
    }

    /** One back-propagation step in the same engine: forward, gradient, SGD update. */
    void backpropStep() {
        nextBatch();
        engine.forward();
        engine.computeGradient(Method.BACKPROP);
        engine.applyUpdate(backpropRates);
        drain();
    }

    private void drain() {
        EpochStats s = engine.drainStats();
        sweeps += s.sweeps();
        inferences += s.inferences();
        updates += s.updates();
        diverged |= s.diverged();
    }

    /** Mean sweeps per sample inference since the trial began (NaN for back-propagation). */
    double meanSweeps() {
        return inferences == 0 ? Double.NaN : (double) sweeps / inferences;
    }

    long updates() {
        return updates;
    }

    /** Whether some update was skipped for a non-finite gradient. */
    boolean diverged() {
        return diverged;
    }

    @Override
    public void close() {
        data.close();
        engine.close();
    }
}
