package liftnet.solve;

import static liftnet.solve.VectorKernels.LANES;
import static liftnet.solve.VectorKernels.S;

import jdk.incubator.vector.FloatVector;

/**
 * The two products every {@link LinearOp} reduces to, with the Vector API on unpadded rows (a scalar loop takes the
 * last {@code n mod LANES} values): a sum of scaled rows, each output vector kept in four accumulators while the rows
 * stream past, and a dot product. Both sum in a fixed order, so results repeat exactly from run to run.
 */
final class OpKernels {

    private OpKernels() {
    }

    /**
     * {@code out[oo + i] = sum_{t < count} s[so + t] * m[mo + t * stride + i]} for {@code i < n}: a row vector times a
     * matrix whose rows are {@code stride} apart. Only {@code out} is modified.
     */
    static void scaledRowSum(float[] s, int so, int count, float[] m, int mo, int stride, int n, float[] out, int oo) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += LANES) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            int t = 0;
            int o = mo + i;
            for (; t + 3 < count; t += 4, o += 4 * stride) {
                a0 = FloatVector.fromArray(S, m, o).fma(FloatVector.broadcast(S, s[so + t]), a0);
                a1 = FloatVector.fromArray(S, m, o + stride).fma(FloatVector.broadcast(S, s[so + t + 1]), a1);
                a2 = FloatVector.fromArray(S, m, o + 2 * stride).fma(FloatVector.broadcast(S, s[so + t + 2]), a2);
                a3 = FloatVector.fromArray(S, m, o + 3 * stride).fma(FloatVector.broadcast(S, s[so + t + 3]), a3);
            }
            for (; t < count; t++, o += stride) {
                a0 = FloatVector.fromArray(S, m, o).fma(FloatVector.broadcast(S, s[so + t]), a0);
            }
            a0.add(a1).add(a2.add(a3)).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float acc = 0f;
            for (int t = 0, o = mo + i; t < count; t++, o += stride) {
                acc += s[so + t] * m[o];
            }
            out[oo + i] = acc;
        }
    }

    /** {@code sum_{i < n} x[xo + i] * y[yo + i]}. */
    static float dot(float[] x, int xo, float[] y, int yo, int n) {
        int bound = S.loopBound(n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        int i = 0;
        for (; i + LANES < bound; i += 2 * LANES) {
            a0 = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromArray(S, y, yo + i), a0);
            a1 = FloatVector.fromArray(S, x, xo + i + LANES).fma(FloatVector.fromArray(S, y, yo + i + LANES), a1);
        }
        for (; i < bound; i += LANES) {
            a0 = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromArray(S, y, yo + i), a0);
        }
        // A fixed folding order (VectorKernels.sumLanes), not reduceLanes, whose order may differ between the
        // interpreter and compiled code: the result must not depend on when the JIT compiled this method.
        float acc = VectorKernels.sumLanes(a0.add(a1));
        for (; i < n; i++) {
            acc += x[xo + i] * y[yo + i];
        }
        return acc;
    }
}
