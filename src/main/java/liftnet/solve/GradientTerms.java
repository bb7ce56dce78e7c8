package liftnet.solve;

/**
 * What a layer's gradient is summed from ({@link LayerOp#accumulateGradient}):
 * {@code G = -scale sum_r (lambdaA_r zA_r^T - lambdaB_r zB_r^T)} over {@code rows} rows of a batch, {@code z} rows
 * {@code inStride} apart (the layer's input; for the first layer, {@code inputs}), {@code lambda} rows
 * {@code outStride} apart. {@code zB} and {@code lambdaB} are null for a single term. Nothing is modified.
 */
public record GradientTerms(float[] zA, float[] lambdaA, float[] zB, float[] lambdaB, float scale, int rows,
                            int inStride, int outStride, InputRows inputs) {
}
