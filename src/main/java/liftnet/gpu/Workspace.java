package liftnet.gpu;

import java.util.ArrayList;
import java.util.List;
import liftnet.api.NetConfig;
import liftnet.api.OutputLoss;

/**
 * The device memory of one {@link GpuEngine} and the constants its routines share. Fixed buffers live as long as
 * the engine; batch buffers are reallocated when a larger batch arrives ({@link #ensureCapacity}).
 *
 * <p>Per phase {@code p} ({@code liftnet.api.Phase} ordinal) a batch has rows {@code z[p]}, {@code a[p]} in the
 * phase layout of {@link NetLayout} and energies {@code energy[p]}; {@code x}, {@code y} hold the gathered inputs
 * and labels; the rest is scratch of the layered solver.
 */
final class Workspace implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Workspace.class.getName());

    /** Device counters: samples, correct, sample inferences, sweeps, then linear units per hidden layer, updates, first non-finite update. */
    static final int STATS_INTS_FIXED = 4;
    /** Device float statistics: free energy (hi, lo), clamped energy (hi, lo), largest final KKT residual. */
    static final int STATS_FLOATS = 5;

    final Launcher launcher;
    final NetConfig config;
    final NetLayout lay;
    final float lo;
    final float hi;
    final float gamma;
    /** Work-group size of the single-group reductions. */
    final int reduceSize;

    private final List<GpuBuffer> fixed = new ArrayList<>();
    final GpuBuffer shape;
    final GpuBuffer params;
    /** Parameters before the last update, for the non-finite guard of {@code grad_update}. */
    final GpuBuffer paramsOld;
    final GpuBuffer grad;
    final GpuBuffer colNorms;
    final GpuBuffer statsI;
    final GpuBuffer statsF;
    /** {@code grad_update}'s non-finite count and arrival counter (zero between launches). */
    final GpuBuffer control;
    /**
     * The layered solver's batch-level early exit ({@code SKIP_IF_SETTLED} in kernels/common.cl): the active samples
     * of the phase being solved, then the count of launches skipped since the engine started.
     */
    final GpuBuffer live;
    /** {@code {1, 0}}, never written by a kernel: the gate of launches outside the sweeps, which always run. */
    final GpuBuffer always;

    GpuBuffer order;

    private final List<GpuBuffer> batchBuffers = new ArrayList<>();
    int capacity;
    GpuBuffer x;
    GpuBuffer y;
    final GpuBuffer[] z = new GpuBuffer[BatchState.PHASES];
    final GpuBuffer[] a = new GpuBuffer[BatchState.PHASES];
    final GpuBuffer[] energy = new GpuBuffer[BatchState.PHASES];
    GpuBuffer sweeps;
    GpuBuffer resid;
    GpuBuffer q;
    GpuBuffer delta;
    GpuBuffer dvec;
    GpuBuffer step;
    GpuBuffer active;
    GpuBuffer eprev;
    /** Per sample, the energy decrease of the current sweep from the line searches (kernels/solver.cl). */
    GpuBuffer decrease;
    /** Pooled rows of the layer being multiplied ({@link PooledProducts}). */
    GpuBuffer pooled;
    /** The implicit-GEMM weight gradient's chunk sums ({@link ConvProducts#partialFloats}). */
    final GpuBuffer convPartials;
    /** Which kernels compute the convolutions' products (the engine's {@link GpuOptions#conv()}). */
    ConvForm convForm = GpuOptions.defaults().conv();

    /** Allocates the fixed buffers; frees what it allocated when it fails. */
    Workspace(GpuDevice dev, NetConfig config) {
        this.launcher = new Launcher(dev);
        this.config = config;
        this.lay = new NetLayout(config.net());
        this.lo = config.units().lower();
        this.hi = config.units().upper();
        this.gamma = (float) config.gamma();
        this.reduceSize = Math.min(256, Integer.highestOneBit(Math.max(1, dev.maxWorkGroupSize())));
        try {
            int[] table = shapeTable(lay, config.outputLoss());
            shape = allocFixed(4L * table.length);
            launcher.writeInts(shape, table);
            params = allocFixed(4L * lay.paramCount());
            paramsOld = allocFixed(4L * lay.paramCount());
            grad = allocFixed(4L * lay.paramCount());
            colNorms = allocFixed(4L * lay.colNormCount());
            statsI = allocFixed(4L * statsInts());
            statsF = allocFixed(4L * STATS_FLOATS);
            control = allocFixed(8);
            convPartials = allocFixed(4L * ConvProducts.partialFloats(lay));
            live = allocFixed(8);
            always = allocFixed(8);
            launcher.writeInts(always, new int[] {1, 0});
            for (GpuBuffer b : List.of(params, paramsOld, grad, colNorms, control, live)) {
                launcher.zero(b, 0, b.bytes());
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    int hidden() {
        return lay.layers() - 1;
    }

    int statsInts() {
        return STATS_INTS_FIXED + hidden() + 2;
    }

    /**
     * The kernels' shape table ({@link NetLayout#shapeTable()}) and after it the nudged phases' output treatment
     * ({@code CLAMP_KIND}, {@code CLAMP_BETA} in kernels/common.cl): 0 the hard clamp, 1 + {@link OutputLoss.Kind}
     * ordinal a soft clamp, then {@code beta}'s float bits (the negative phase's {@code -beta} is its sign, passed per
     * launch: {@link BatchState#nudge}).
     */
    static int[] shapeTable(NetLayout lay, OutputLoss loss) {
        int[] t = lay.shapeTable();
        int[] out = java.util.Arrays.copyOf(t, t.length + 2);
        out[t.length] = loss.isHard() ? 0 : 1 + loss.kind().ordinal();
        out[t.length + 1] = Float.floatToRawIntBits(loss.isHard() ? 0f : (float) loss.weight());
        return out;
    }

    GpuBuffer allocFixed(long bytes) {
        GpuBuffer b = launcher.device().allocate(Math.max(4, bytes));
        fixed.add(b);
        return b;
    }

    /** Replaces the order buffer by one of at least {@code bytes} bytes when it is smaller. */
    void ensureOrder(long bytes) {
        if (order == null || order.bytes() < bytes) {
            if (order != null) {
                fixed.remove(order);
                order.close();
            }
            order = allocFixed(bytes);
        }
    }

    /** Makes the batch buffers hold at least {@code size} samples (contents lost when they grow). */
    void ensureCapacity(int size) {
        if (size <= capacity) {
            return;
        }
        batchBuffers.forEach(GpuBuffer::close);
        batchBuffers.clear();
        capacity = 0;
        long rows = size;
        long n = lay.rowWidth();
        x = allocBatch(4 * rows * lay.width(0));
        y = allocBatch(4 * rows);
        for (int p = 0; p < BatchState.PHASES; p++) {
            z[p] = allocBatch(4 * rows * n);
            a[p] = allocBatch(4 * rows * n);
            energy[p] = allocBatch(4 * rows);
        }
        sweeps = allocBatch(4 * rows);
        resid = allocBatch(4 * rows);
        q = allocBatch(4 * rows * n);
        delta = allocBatch(4 * rows * n);
        dvec = allocBatch(4 * rows * n);
        step = allocBatch(4 * rows);
        active = allocBatch(4 * rows);
        eprev = allocBatch(4 * rows);
        decrease = allocBatch(4 * rows);
        pooled = allocBatch(4 * rows * PooledProducts.scratchWidth(lay));
        // Operands padded to tiles are read only inside bounds, but be safe against NaN garbage: start from zeros.
        for (GpuBuffer b : List.of(q, delta, dvec)) {
            launcher.zero(b, 0, b.bytes());
        }
        capacity = size;
    }

    private GpuBuffer allocBatch(long bytes) {
        GpuBuffer b = launcher.device().allocate(Math.max(4, bytes));
        batchBuffers.add(b);
        return b;
    }

    /** Frees every buffer; logs instead of throwing. */
    @Override
    public void close() {
        try {
            launcher.closeTimers();
            batchBuffers.forEach(GpuBuffer::close);
            batchBuffers.clear();
            fixed.forEach(GpuBuffer::close);
            fixed.clear();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "freeing device buffers failed", e);
        }
    }
}
