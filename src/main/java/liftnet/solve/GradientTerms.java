package liftnet.solve;

import java.util.Arrays;

/**
 * What a layer's gradient is summed from ({@link LayerOp#accumulateGradient}):
 * {@code G = -scale sum_r (lambdaA_r zA_r^T - lambdaB_r zB_r^T)} over {@code rows} rows of a batch, {@code z} rows
 * {@code inStride} apart (the layer's input; for the first layer, {@code inputs}), {@code lambda} rows
 * {@code outStride} apart. {@code zB} and {@code lambdaB} are null for a single term. Nothing is modified.
 */
public record GradientTerms(float[] zA, float[] lambdaA, float[] zB, float[] lambdaB, float scale, int rows,
                            int inStride, int outStride, InputRows inputs) {

    /**
     * The bias gradient {@code gb[f] = -scale sum_r sum_p (lambdaA_r[f P + p] - lambdaB_r[f P + p])} of {@code units}
     * biases, each shared by {@code positions} consecutive outputs {@code P} (1 for a dense layer, a convolution's
     * output positions), summed row by row in order.
     *
     * @param gb modified: its first {@code units} entries
     * @return whether they are all finite
     */
    boolean biasGradient(float[] gb, int units, int positions) {
        Arrays.fill(gb, 0, units, 0f);
        for (int r = 0; r < rows; r++) { // row after row, so that the residuals are read in order
            int o = r * outStride;
            if (positions == 1) { // a dense layer's: one entry per bias, loops the JIT vectorizes
                for (int f = 0; f < units; f++) {
                    gb[f] -= scale * lambdaA[o + f];
                }
                for (int f = 0; lambdaB != null && f < units; f++) {
                    gb[f] += scale * lambdaB[o + f];
                }
                continue;
            }
            for (int f = 0; f < units; f++) {
                gb[f] -= scale * sum(lambdaA, o + f * positions, positions);
                if (lambdaB != null) {
                    gb[f] += scale * sum(lambdaB, o + f * positions, positions);
                }
            }
        }
        boolean finite = true;
        for (int f = 0; f < units; f++) {
            finite &= Float.isFinite(gb[f]);
        }
        return finite;
    }

    private static float sum(float[] v, int o, int n) {
        float s = 0f;
        for (int i = o; i < o + n; i++) {
            s += v[i];
        }
        return s;
    }
}
