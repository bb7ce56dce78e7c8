package liftnet.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.IntToDoubleFunction;
import java.util.function.Supplier;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngineProvider;
import liftnet.data.Dataset;
import liftnet.train.Trainer;

/**
 * One side of {@link AbPair}: a CPU engine of one liftnet build training contrastive or back-propagation steps.
 * {@link AbPair} defines this class once in each build's class loader, so it links against that build's classes; it
 * talks to the pair only through {@code java.base} types, and uses only API that the pinned baseline has (engine,
 * provider, trainer's sample order).
 *
 * <p>{@link #applyAsDouble(int)} runs that many steps (batch after batch of a seeded order, wrapping around) and
 * returns the seconds they took; {@link #get()} is the SHA-256 of all parameters, to check that both builds
 * computed the same bits.
 */
public final class AbStep implements IntToDoubleFunction, Supplier<String>, AutoCloseable {

    private final Engine engine;
    private final DeviceData data;
    private final int[] order;
    private final int batch;
    private final SolverConfig solver;
    private final Method method;
    private final double[] rates;
    private int next;

    /**
     * @param net     e.g. {@code 784-64-64-64-10} or {@code 1x28x28-c16k5s2-c32k3s2-64-10}; ReLU, gamma 1/8
     * @param method  {@code CONTRASTIVE} or {@code BACKPROP} (a {@link Method} name)
     * @param inputs  row-major {@code [count x width]}; not modified
     * @param labels  class per sample; not modified
     * @param seed    seeds the weights and the sample order
     */
    public AbStep(String net, String method, int batch, int threads, int sweeps, float[] inputs, int[] labels,
                  int classes, long seed, double etaBp) {
        NetConfig config = new NetConfig(NetSpec.parse(net), Units.RELU, NetConfig.PAPER_GAMMA);
        int width = config.net().inputs();
        Dataset dataset = new Dataset("ab", labels.length, width, classes, inputs, labels);
        this.engine = new CpuEngineProvider().create(config, 0, threads);
        engine.setParameters(Parameters.initial(config.net(), seed));
        this.data = engine.upload(dataset);
        this.order = Trainer.order(seed, 1, labels.length);
        this.batch = batch;
        this.solver = SolverConfig.fixed(Solver.JACOBI, sweeps);
        this.method = Method.valueOf(method);
        this.rates = new double[config.net().layers()];
        for (int k = 0; k < rates.length; k++) {
            rates[k] = this.method.layerRate(etaBp, config, k);
        }
    }

    /**
     * Runs {@code steps} steps (contrastive: forward, free and clamped inference, gradient, SGD; back-propagation:
     * forward, gradient, SGD); their seconds.
     */
    @Override
    public double applyAsDouble(int steps) {
        long start = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            if (next + batch > order.length) {
                next = 0;
            }
            engine.selectBatch(data, order, next, batch);
            next += batch;
            engine.forward();
            if (method != Method.BACKPROP) {
                engine.inferFree(solver);
                engine.inferClamped(solver);
            }
            engine.computeGradient(method);
            engine.applyUpdate(rates);
            engine.drainStats();
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** SHA-256 of every weight and bias, in layer order, as the floats' little-endian bits. */
    @Override
    public String get() {
        Parameters p = engine.parameters();
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (int k = 0; k < p.net().layers(); k++) {
                for (float[] t : new float[][] {p.weight(k), p.bias(k)}) {
                    ByteBuffer b = ByteBuffer.allocate(4 * t.length).order(ByteOrder.LITTLE_ENDIAN);
                    for (float v : t) {
                        b.putInt(Float.floatToRawIntBits(v));
                    }
                    sha.update(b.array());
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public void close() {
        engine.close();
    }
}
