package liftnet.gpu;

/**
 * The per-sample routines ({@code kernels/fused.cl}), one work-group per sample with its activations in local
 * memory: {@code fused_solve} runs one phase reading the weights from global memory; {@code fused_step} runs
 * the gather, the forward pass and both inferences of the paper's step (with symmetric nudging also the negative
 * phase) in one launch with the hidden weights staged in local memory.
 *
 * <p>Local memory per work-group, in floats: {@code fused_solve} {@code 2N + maxH + maxW + REDUCE2(wgs)};
 * {@code fused_step} adds the hidden weights and biases ({@link #stagedFloats()}: 36 KB for 784-64-64-64-10,
 * 60 KB for 784-128-64-64-32-10) and their column norms.
 */
final class FusedSolver {

    /** Bits of {@code fused_step}'s {@code phases} argument (STEP_* in kernels/fused.cl). */
    static final int STEP_FORWARD = 1;
    static final int STEP_FREE = 2;
    static final int STEP_CLAMPED = 4;
    /** The nudged phases start from the free rows of an earlier launch. */
    static final int STEP_NUDGED_FROM_FREE = 8;
    static final int STEP_NEGATIVE = 16;

    private static final int REDUCE_CHUNK = 32;

    private final Workspace w;
    private final Launcher l;
    private final NetLayout lay;
    /** Work-group size: the widest layer rounded up to a power of two, 32 to {@code reduceSize}. */
    private final int size;
    private final long solveBytes;
    private final long stepBytes;

    FusedSolver(Workspace w) {
        this.w = w;
        this.l = w.launcher;
        this.lay = w.lay;
        this.size = Math.min(w.reduceSize, Math.max(32, nextPow2(lay.maxWidth())));
        long scratch = 2L * lay.rowWidth() + lay.maxHidden() + lay.maxWidth() + 2L * size + 2 * REDUCE_CHUNK;
        this.solveBytes = 4 * scratch;
        this.stepBytes = 4 * (scratch + stagedFloats() + lay.colNormCount());
    }

    private static int nextPow2(int v) {
        return v <= 1 ? 1 : Integer.highestOneBit(v - 1) << 1;
    }

    /**
     * Floats of {@code W_1, b_1, ..., W_{L-1}, b_{L-1}} as {@code fused_step} stages them: rows of {@code n_k + 1}
     * (a pad against bank conflicts), so {@code sum_k n_{k+1} (n_k + 2)} (0 without hidden layers).
     */
    long stagedFloats() {
        long f = 0;
        for (int k = 1; k < lay.layers(); k++) {
            f += (long) lay.width(k + 1) * (lay.width(k) + 2);
        }
        return f;
    }

    long solveBytes() {
        return solveBytes;
    }

    long stepBytes() {
        return stepBytes;
    }

    /** Whether {@code fused_solve} fits the device's local memory. */
    boolean solveFits() {
        return lay.layers() >= 2 && solveBytes <= l.device().localMemoryBytes();
    }

    /** Whether {@code fused_step} fits the device's local memory. */
    boolean stepFits() {
        return lay.layers() >= 2 && stepBytes <= l.device().localMemoryBytes();
    }

    /**
     * Phase {@code p} from phase {@code start}'s rows (one launch), its output as {@link BatchState#nudge} says;
     * column norms must be current.
     */
    void solve(int p, int start, int maxSweeps, int rule, float tol, int batch) {
        l.launch(Kernel.FUSED_SOLVE.args().b(w.shape).i(lay.layers()).i(lay.rowWidth()).i(Math.max(1, lay.maxHidden()))
                .i(lay.maxWidth()).b(w.params).b(w.colNorms).b(w.z[start]).b(w.a[start]).b(w.z[p]).b(w.a[p]).b(w.y)
                .i(BatchState.nudge(p)).f(w.gamma).f(w.lo).f(w.hi).i(maxSweeps).i(rule).f(tol).b(w.energy[p]).b(w.sweeps)
                .b(w.resid), batch, 1, size, 1, (int) solveBytes);
    }

    /**
     * One {@code fused_step} launch over {@code batch} samples running {@code phases} (STEP_* bits; the inference
     * phases contiguous in the order free, clamped, negative); the batch is
     * {@code order[from .. from + batch)} of ({@code inputs}, {@code labels}). Adds each inference to the solver
     * statistics.
     */
    void step(int phases, GpuBuffer inputs, GpuBuffer labels, int from, int batch, int maxSweeps, int rule, float tol) {
        int free = liftnet.api.Phase.FREE.ordinal();
        int clamped = liftnet.api.Phase.CLAMPED.ordinal();
        int forward = liftnet.api.Phase.FORWARD.ordinal();
        int negative = liftnet.api.Phase.NEGATIVE.ordinal();
        l.launch(Kernel.FUSED_STEP.args().b(w.shape).i(lay.layers()).i(lay.rowWidth()).i(Math.max(1, lay.maxHidden()))
                .i(lay.maxWidth()).i((int) stagedFloats()).i(lay.colNormCount()).i(phases).b(w.order).i(from).b(inputs).b(labels)
                .b(w.x).b(w.y).b(w.params).b(w.z[forward]).b(w.a[forward]).b(w.z[free]).b(w.a[free]).b(w.z[clamped])
                .b(w.a[clamped]).b(w.z[negative]).b(w.a[negative]).b(w.energy[free]).b(w.energy[clamped]).b(w.energy[negative]).f(w.gamma).f(w.lo).f(w.hi).i(maxSweeps).i(rule).f(tol)
                .b(w.statsI).b(w.statsF), batch, 1, size, 1, (int) stepBytes);
    }
}
