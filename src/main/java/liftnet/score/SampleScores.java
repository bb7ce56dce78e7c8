package liftnet.score;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;
import liftnet.data.Dataset;
import liftnet.solve.OutputProx;

/**
 * Computes every {@link Score} of every sample of a data set on an engine that holds the model: one free phase, and
 * one clamped phase per label (the data set is relabelled with that label for it), each started from the forward
 * pass. Costs {@code 1 + classes} inferences per sample. The data set's own labels are not used.
 */
public final class SampleScores {

    private SampleScores() {
    }

    /**
     * @param engine          holds the model's parameters; its batch state is overwritten
     * @param data            the samples; not modified
     * @param liftedPrediction predict with the free phase's {@code z_L} (lifted models), else the forward pass's
     * @param batch           samples per engine batch
     * @return one array per score, {@code [count]}, in sample order
     */
    public static Map<Score, double[]> compute(Engine engine, Dataset data, SolverConfig solver, int batch,
                                               boolean liftedPrediction) {
        int n = data.count();
        int classes = data.classes();
        int outputs = engine.config().net().outputs();
        int layers = engine.config().net().layers();
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        double[] free = new double[n];
        double[] maxOut = new double[n];
        double[] lse = new double[n];
        int[] predicted = new int[n];
        try (DeviceData d = engine.upload(data)) {
            for (int from = 0; from < n; from += batch) {
                int size = Math.min(batch, n - from);
                engine.selectBatch(d, order, from, size);
                engine.forward();
                float[] forward = engine.activations(Phase.FORWARD, layers);
                engine.inferFree(solver);
                double[] e = engine.energies(Phase.FREE);
                float[] out = liftedPrediction ? engine.activations(Phase.FREE, layers) : forward;
                double[] row = new double[outputs];
                for (int r = 0; r < size; r++) {
                    free[from + r] = e[r];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < outputs; j++) {
                        row[j] = forward[r * outputs + j];
                        max = Math.max(max, row[j]);
                    }
                    maxOut[from + r] = max;
                    lse[from + r] = OutputProx.logSumExp(row);
                    predicted[from + r] = argmax(out, r * outputs, outputs);
                }
            }
        }
        double[] minClamped = new double[n];
        Arrays.fill(minClamped, Double.POSITIVE_INFINITY);
        double[] gap = new double[n];
        for (int c = 0; c < classes; c++) {
            int[] labels = new int[n];
            Arrays.fill(labels, c);
            Dataset relabelled = new Dataset(data.name() + "@" + c, n, data.width(), classes, data.inputs(), labels);
            try (DeviceData d = engine.upload(relabelled)) {
                for (int from = 0; from < n; from += batch) {
                    int size = Math.min(batch, n - from);
                    engine.selectBatch(d, order, from, size);
                    engine.forward();
                    engine.inferClamped(solver);
                    double[] e = engine.energies(Phase.CLAMPED);
                    for (int r = 0; r < size; r++) {
                        minClamped[from + r] = Math.min(minClamped[from + r], e[r]);
                        if (predicted[from + r] == c) {
                            gap[from + r] = e[r] - free[from + r];
                        }
                    }
                }
            }
        }
        Map<Score, double[]> scores = new EnumMap<>(Score.class);
        scores.put(Score.FREE_ENERGY, free);
        scores.put(Score.MIN_CLAMPED_ENERGY, minClamped);
        scores.put(Score.CLAMPED_GAP, gap);
        scores.put(Score.MAX_OUTPUT, maxOut);
        scores.put(Score.LOGSUMEXP_OUTPUT, lse);
        return scores;
    }

    private static int argmax(float[] v, int offset, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) {
            if (v[offset + j] > v[offset + best]) {
                best = j;
            }
        }
        return best;
    }

    /**
     * {@code count} inputs of uniform pixel noise in {@code [0, 1)}, shaped like {@code like}, from {@code seed}; labels
     * 0 (unused by scoring).
     */
    public static Dataset noise(Dataset like, int count, long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        float[] x = new float[count * like.width()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        return new Dataset("noise(seed " + seed + ")", count, like.width(), like.classes(), x, new int[count]);
    }
}
