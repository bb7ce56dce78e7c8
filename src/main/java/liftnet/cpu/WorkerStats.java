package liftnet.cpu;

import java.util.Arrays;
import liftnet.api.EpochStats;
import liftnet.api.Units;
import liftnet.solve.VectorKernels;

/**
 * The counters behind {@link liftnet.api.Engine#drainStats()} for a CPU engine: per-worker counters that workers
 * update after every row without locks, and host totals that the calling thread keeps. Each worker's counters
 * sit {@link #SPACING} longs from the next worker's: counters of two workers on one cache line slowed the
 * tolerance stop on two threads below one thread's speed. A worker touches only its own counters; the calling
 * thread reads them in {@link #drain()} after the workers' runs returned.
 */
final class WorkerStats {

    /** Longs between two workers' counters: 128 bytes, two cache lines. */
    private static final int SPACING = 16;
    private static final int SWEEPS = 0;
    private static final int INFERENCES = 1;
    private static final int CORRECT = 2;
    private static final int LINEAR = 3;

    private final int threads;
    private final int layers;
    /** Per-worker counters, worker {@code t}'s run from {@code t * stride}. */
    private final long[] counts;
    private final int stride;
    /** Per-worker largest KKT residual (NaN while none was measured), spaced like {@link #counts}. */
    private final double[] maxResidual;
    private double freeEnergy;
    private double clampedEnergy;
    private long samples;
    private long updates;
    private long firstNonFinite = -1;

    /** Counters for {@code threads} workers on a net of {@code layers} weight layers. */
    WorkerStats(int threads, int layers) {
        this.threads = threads;
        this.layers = layers;
        stride = LINEAR + Math.max(0, layers - 1) + SPACING;
        counts = new long[threads * stride];
        maxResidual = new double[threads * SPACING];
        Arrays.fill(maxResidual, Double.NaN);
    }

    /** Worker {@code w} solved a row in {@code sweeps} sweeps, to the KKT residual {@code residual} (NaN: not measured). */
    void inference(int w, int sweeps, double residual) {
        counts[w * stride + SWEEPS] += sweeps;
        counts[w * stride + INFERENCES]++;
        if (!Double.isNaN(residual)) {
            int m = w * SPACING;
            maxResidual[m] = nanMax(maxResidual[m], residual);
        }
    }

    /**
     * Worker {@code w} scores one row: correct when the first largest of the outputs {@code out[o .. o + outputs)}
     * is {@code label}.
     */
    void prediction(int w, float[] out, int o, int outputs, int label) {
        int best = 0;
        for (int j = 1; j < outputs; j++) {
            if (out[o + j] > out[o + best]) {
                best = j;
            }
        }
        if (best == label) {
            counts[w * stride + CORRECT]++;
        }
    }

    /** Worker {@code w} counts the units {@code z[o .. o + n)} of hidden layer {@code k} strictly inside {@code C}. */
    void linearUnits(int w, int k, Units units, float[] z, int o, int n) {
        counts[w * stride + LINEAR + k - 1] += VectorKernels.countInside(z, o, n, units.lower(), units.upper());
    }

    /**
     * The calling thread adds a batch of {@code size} rows: their free energies when {@code withFree}, their
     * clamped energies when {@code withClamped}, row by row.
     */
    void batch(int size, double[] free, boolean withFree, double[] clamped, boolean withClamped) {
        for (int r = 0; r < size; r++) {
            if (withFree) {
                freeEnergy += free[r];
            }
            if (withClamped) {
                clampedEnergy += clamped[r];
            }
        }
        samples += size;
    }

    /**
     * The calling thread counts an update; a gradient that is not {@code finite} marks it the first non-finite
     * update (when none was before), and the engine skips it.
     *
     * @return {@code finite}
     */
    boolean update(boolean finite) {
        long update = updates++;
        if (!finite && firstNonFinite < 0) {
            firstNonFinite = update;
        }
        return finite;
    }

    /** The larger of {@code a} and {@code b}, NaN standing for "none measured" (the other wins). */
    private static double nanMax(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }

    /** The totals since the last drain, summed over workers in worker order; every counter is reset. */
    EpochStats drain() {
        long sweeps = 0;
        long inferences = 0;
        long correct = 0;
        double worst = Double.NaN;
        long[] linear = new long[Math.max(0, layers - 1)];
        for (int t = 0; t < threads; t++) {
            int o = t * stride;
            sweeps += counts[o + SWEEPS];
            inferences += counts[o + INFERENCES];
            correct += counts[o + CORRECT];
            worst = nanMax(worst, maxResidual[t * SPACING]);
            for (int k = 0; k < linear.length; k++) {
                linear[k] += counts[o + LINEAR + k];
            }
            Arrays.fill(counts, o, o + stride, 0L);
            maxResidual[t * SPACING] = Double.NaN;
        }
        EpochStats result = new EpochStats(samples, correct, linear, freeEnergy, clampedEnergy, inferences, sweeps,
                worst, updates, firstNonFinite);
        samples = 0;
        freeEnergy = 0;
        clampedEnergy = 0;
        updates = 0;
        firstNonFinite = -1;
        return result;
    }
}
