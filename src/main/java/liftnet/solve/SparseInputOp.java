package liftnet.solve;

/**
 * A dense first layer on the data set's inputs in sparse rows ({@link SparseInputs}): its products and gradient
 * touch only the non-zero inputs. Gradient rows are split at multiples of {@link SparseInputs#BLOCK_WIDTH}.
 */
final class SparseInputOp extends DenseOp {

    private static final int INTS_PER_LINE = 16;
    /** Keeps {@link #touchInputs}' loads from being removed as dead code; written (almost) never. */
    @SuppressWarnings("unused")
    private static int touchSink;

    SparseInputOp(int outputs, int inputs) {
        super(outputs, inputs, false);
    }

    @Override
    public void applyToInputs(InputRows in, int r0, int rows, float[] y, int ys, float[] work) {
        SparseInputs x = in.sparse();
        int[] sampleOfRow = in.sampleOfRow();
        touchInputs(x, sampleOfRow, r0, rows);
        for (int r = r0; r < r0 + rows; r++) {
            int sample = sampleOfRow[r];
            VectorKernels.sparseRowTimesMatrix(x.index, x.value, x.start[sample], x.start[sample + 1], wt, sOut, b, y,
                    r * ys);
        }
    }

    /**
     * Reads one value per cache line of the rows' sparse inputs before the products start, so that the misses
     * of a randomly ordered batch overlap instead of each waiting behind the previous row's FMAs.
     */
    private static void touchInputs(SparseInputs inputs, int[] sampleOfRow, int r0, int rows) {
        int touched = 0;
        for (int r = r0; r < r0 + rows; r++) {
            int sample = sampleOfRow[r];
            for (int n = inputs.start[sample]; n < inputs.start[sample + 1]; n += INTS_PER_LINE) {
                touched += inputs.index[n] + Float.floatToRawIntBits(inputs.value[n]);
            }
        }
        if (touched == Integer.MIN_VALUE) {
            touchSink = touched; // practically never: the comparison alone keeps the loads alive
        }
    }

    /** Both phases share the input: one pass over the residual difference, at the non-zero inputs only. */
    @Override
    void addGradient(int p0, int p1, GradientTerms t) {
        VectorKernels.accumulateSparseInput(t.inputs().sparse(), t.inputs().sampleOfRow(), p0 / SparseInputs.BLOCK_WIDTH,
                t.lambdaA(), t.lambdaB(), -t.scale(), t.rows(), sOut, gradT);
    }
}
