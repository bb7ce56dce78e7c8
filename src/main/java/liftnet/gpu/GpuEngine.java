package liftnet.gpu;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineChecks;
import liftnet.api.EngineException;
import liftnet.api.EpochStats;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.StopRule;
import liftnet.data.Dataset;
import org.lwjgl.system.MemoryUtil;

/**
 * The GPU engine, written once over a {@link GpuDevice}: {@code liftnet.opencl.OclEngine} and
 * {@code liftnet.cuda.CudaEngine} only open their device. Everything stays on the device between
 * {@link #upload} and {@link #drainStats}: the sample order of an epoch is uploaded once, when a batch
 * names indices the device copy does not hold, and batches are gathered from it on the device, so per
 * mini-batch nothing crosses between host and device.
 *
 * <p>Inference (red-black Jacobi with exact line search, see {@code kernels/solver.cl}) runs one of two ways:
 * <ul>
 *   <li>{@link Path#FUSED}: {@code fused_solve}, one work-group per sample with the sample's activations in
 *       local memory, all sweeps of a phase in one launch;</li>
 *   <li>{@link Path#LAYERED}: five launches per hidden layer and sweep over the whole batch (tiled matrix
 *       kernels), for layers too big for local memory.</li>
 * </ul>
 * {@link Path#AUTO} (the default) takes the fused path when the activations fit in local memory and no layer
 * is wider than {@link #FUSED_MAX_WIDTH} (beyond that every work-group streams whole weight matrices per
 * sweep, and the batched matrix kernels of the layered path reuse each weight across the batch). Both paths
 * run the same arithmetic, so they agree to float rounding.
 *
 * <p>Statistics (correct predictions, linear units, energy sums, sweeps, residuals) are accumulated on the
 * device by single-work-group kernels and read back by {@link #drainStats()}.
 */
public abstract class GpuEngine implements Engine {

    /** How inference is run. */
    public enum Path {
        /** Fused when the net fits in local memory, else layered. */
        AUTO,
        /** One launch per phase, a work-group per sample (fails if the net does not fit). */
        FUSED,
        /** Launches per layer and sweep over the batch. */
        LAYERED
    }

    /** Widest layer (1..L) for which {@link Path#AUTO} takes the fused path. */
    public static final int FUSED_MAX_WIDTH = 256;

    /** Every kernel the engine launches, by name; each must be in one of {@link KernelSource#MODULES}. */
    public static final java.util.List<String> KERNELS = java.util.List.of("gemm_nt", "gemm_nn", "outer_acc",
            "jacobi_propose", "line_search", "apply_step", "set_top", "energy", "kkt", "solve_init", "check_stop",
            "fused_solve", "gather", "col_norms", "output_delta", "sgd", "check_gradient", "metrics", "solver_stats");

    private static final System.Logger LOG = System.getLogger(GpuEngine.class.getName());
    private static final int TS = KernelSource.TILE;
    private static final int FORWARD = Phase.FORWARD.ordinal();
    private static final int FREE = Phase.FREE.ordinal();
    private static final int CLAMPED = Phase.CLAMPED.ordinal();
    private static final int STATS_INTS_FIXED = 4;
    private static final int STATS_FLOATS = 5;

    private final GpuDevice dev;
    private final NetConfig config;
    private final NetLayout lay;
    private final String name;
    private final float lo;
    private final float hi;
    private final float gamma;
    private final int reduceSize;
    private final int fusedSize;
    private final int fusedBytes;
    private Path path = Path.AUTO;

    private final GpuKernel kGemmNt;
    private final GpuKernel kGemmNn;
    private final GpuKernel kOuter;
    private final GpuKernel kPropose;
    private final GpuKernel kLineSearch;
    private final GpuKernel kApply;
    private final GpuKernel kSetTop;
    private final GpuKernel kEnergy;
    private final GpuKernel kKkt;
    private final GpuKernel kSolveInit;
    private final GpuKernel kCheckStop;
    private final GpuKernel kFused;
    private final GpuKernel kGather;
    private final GpuKernel kColNorms;
    private final GpuKernel kOutputDelta;
    private final GpuKernel kSgd;
    private final GpuKernel kCheckGradient;
    private final GpuKernel kMetrics;
    private final GpuKernel kSolverStats;

    private final List<GpuBuffer> fixed = new ArrayList<>();
    private final GpuBuffer shape;
    private final GpuBuffer params;
    private final GpuBuffer grad;
    private final GpuBuffer colNorms;
    private final GpuBuffer statsI;
    private final GpuBuffer statsF;
    private final GpuBuffer updateOk;

    private final List<GpuBuffer> batchBuffers = new ArrayList<>();
    private int capacity;
    private GpuBuffer orderBuf;
    private int[] orderHost = new int[0];
    private GpuBuffer x;
    private GpuBuffer y;
    private final GpuBuffer[] z = new GpuBuffer[3];
    private final GpuBuffer[] a = new GpuBuffer[3];
    private final GpuBuffer[] energy = new GpuBuffer[3];
    private GpuBuffer sweeps;
    private GpuBuffer resid;
    private GpuBuffer q;
    private GpuBuffer delta;
    private GpuBuffer dvec;
    private GpuBuffer step;
    private GpuBuffer active;
    private GpuBuffer eprev;
    /** Per sample, the energy decrease of the current sweep from the line searches (kernels/solver.cl). */
    private GpuBuffer decrease;

    private int batch;
    private final boolean[] valid = new boolean[3];
    private boolean closed;

    /**
     * Takes ownership of {@code dev} (closed with the engine, also when this constructor fails).
     *
     * @param backend backend id for {@link #name()}, e.g. {@code opencl:0}
     */
    protected GpuEngine(String backend, GpuDevice dev, NetConfig config) {
        this.dev = dev;
        this.config = config;
        try {
            this.lay = new NetLayout(config.net());
            this.name = backend + " " + dev.info().name();
            this.lo = config.units().lower();
            this.hi = config.units().upper();
            this.gamma = (float) config.gamma();
            this.reduceSize = Math.min(256, Integer.highestOneBit(Math.max(1, dev.maxWorkGroupSize())));
            this.fusedSize = Math.min(reduceSize, Math.max(32, nextPow2(lay.maxWidth())));
            long floats = 2L * lay.rowWidth() + lay.maxHidden() + lay.maxWidth() + 2L * fusedSize + 2 * 32; // REDUCE2_FLOATS
            this.fusedBytes = (int) Math.min(Integer.MAX_VALUE, 4 * floats);

            kGemmNt = dev.kernel("gemm_nt");
            kGemmNn = dev.kernel("gemm_nn");
            kOuter = dev.kernel("outer_acc");
            kPropose = dev.kernel("jacobi_propose");
            kLineSearch = dev.kernel("line_search");
            kApply = dev.kernel("apply_step");
            kSetTop = dev.kernel("set_top");
            kEnergy = dev.kernel("energy");
            kKkt = dev.kernel("kkt");
            kSolveInit = dev.kernel("solve_init");
            kCheckStop = dev.kernel("check_stop");
            kFused = dev.kernel("fused_solve");
            kGather = dev.kernel("gather");
            kColNorms = dev.kernel("col_norms");
            kOutputDelta = dev.kernel("output_delta");
            kSgd = dev.kernel("sgd");
            kCheckGradient = dev.kernel("check_gradient");
            kMetrics = dev.kernel("metrics");
            kSolverStats = dev.kernel("solver_stats");

            shape = allocFixed(4L * lay.shapeTable().length);
            writeInts(shape, lay.shapeTable());
            params = allocFixed(4L * lay.paramCount());
            grad = allocFixed(4L * lay.paramCount());
            colNorms = allocFixed(4L * lay.colNormCount());
            statsI = allocFixed(4L * statsInts());
            statsF = allocFixed(4L * STATS_FLOATS);
            updateOk = allocFixed(4);
            dev.zero(params, 0, params.bytes());
            dev.zero(grad, 0, grad.bytes());
            dev.zero(colNorms, 0, colNorms.bytes());
            resetStats();
        } catch (RuntimeException | Error e) {
            closeQuietly();
            throw e;
        }
    }

    /** Device counters: samples, correct, sample inferences, sweeps, linear units per hidden layer, updates, first non-finite update. */
    private int statsInts() {
        return STATS_INTS_FIXED + hidden() + 2;
    }

    private int hidden() {
        return lay.layers() - 1;
    }

    private static int nextPow2(int v) {
        return v <= 1 ? 1 : Integer.highestOneBit(v - 1) << 1;
    }

    private GpuBuffer allocFixed(long bytes) {
        GpuBuffer b = dev.allocate(Math.max(4, bytes));
        fixed.add(b);
        return b;
    }

    /** Chooses how inference runs (default {@link Path#AUTO}); for tests and benchmarks. */
    public void setPath(Path path) {
        this.path = path;
    }

    /** Whether inference currently takes the fused path. */
    public boolean usesFusedPath() {
        return switch (path) {
            case FUSED -> true;
            case LAYERED -> false;
            case AUTO -> fusedFits() && lay.maxWidth() <= FUSED_MAX_WIDTH;
        };
    }

    private boolean fusedFits() {
        return lay.layers() >= 2 && fusedBytes <= dev.localMemoryBytes();
    }

    /** The device this engine runs on. */
    protected GpuDevice device() {
        return dev;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public NetConfig config() {
        return config;
    }

    // ---- parameters ----

    @Override
    public void setParameters(Parameters p) {
        requireOpen();
        EngineChecks.parameters(config, p);
        writeFloats(params, p.flatten());
        updateColNorms();
        invalidate();
    }

    @Override
    public Parameters parameters() {
        requireOpen();
        return unflatten(readFloats(params, lay.paramCount()));
    }

    @Override
    public Parameters gradient() {
        requireOpen();
        return unflatten(readFloats(grad, lay.paramCount()));
    }

    private Parameters unflatten(float[] flat) {
        Parameters p = Parameters.zeros(config.net());
        for (int k = 0; k < lay.layers(); k++) {
            float[] w = p.weight(k);
            System.arraycopy(flat, lay.wOffset(k), w, 0, w.length);
            float[] b = p.bias(k);
            System.arraycopy(flat, lay.bOffset(k), b, 0, b.length);
        }
        return p;
    }

    private void updateColNorms() {
        for (int k = 1; k < lay.layers(); k++) {
            int n = lay.width(k);
            dev.launch(kColNorms, groups(n, 64), 1, 64, 1, 0,
                    lay.width(k + 1), n, params, lay.wOffset(k), colNorms, lay.cOffset(k));
        }
    }

    // ---- data ----

    @Override
    public DeviceData upload(Dataset data) {
        requireOpen();
        EngineChecks.upload(config, data);
        GpuBuffer in = dev.allocate(Math.max(4, 4L * data.inputs().length));
        GpuBuffer lab;
        try {
            lab = dev.allocate(Math.max(4, 4L * data.count()));
            if (data.count() > 0) {
                writeFloats(in, data.inputs());
                writeInts(lab, data.labels());
            }
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
        return new GpuData(this, data, in, lab);
    }

    /** A data set in device memory. */
    private static final class GpuData implements DeviceData {
        private final GpuEngine owner;
        private final Dataset data;
        private final GpuBuffer inputs;
        private final GpuBuffer labels;
        private boolean closed;

        GpuData(GpuEngine owner, Dataset data, GpuBuffer inputs, GpuBuffer labels) {
            this.owner = owner;
            this.data = data;
            this.inputs = inputs;
            this.labels = labels;
        }

        @Override
        public Dataset dataset() {
            return data;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                if (!owner.closed) {
                    inputs.close();
                    labels.close();
                }
            }
        }
    }

    @Override
    public void selectBatch(DeviceData data, int[] order, int from, int size) {
        requireOpen();
        if (!(data instanceof GpuData g) || g.owner != this) {
            throw new IllegalArgumentException("data was not uploaded to this engine (" + name + ")");
        }
        if (g.closed) {
            throw new IllegalStateException("data " + g.data.name() + " was closed");
        }
        EngineChecks.batch(g.data, order, from, size);
        ensureCapacity(size);
        if (!Arrays.equals(order, from, from + size, orderHost, Math.min(from, orderHost.length),
                Math.min(from + size, orderHost.length))) {
            uploadOrder(order);
        }
        int n0 = lay.width(0);
        dev.launch(kGather, groups(n0, TS), groups(size, TS), TS, TS, 0, size, n0, orderBuf, from, g.inputs, g.labels, x, y);
        batch = size;
        invalidate();
    }

    /** Puts a copy of {@code order} on the device (once per epoch: the trainer's batches are its slices). */
    private void uploadOrder(int[] order) {
        if (orderBuf == null || orderBuf.bytes() < 4L * order.length) {
            if (orderBuf != null) {
                orderBuf.close();
                fixed.remove(orderBuf);
            }
            orderBuf = allocFixed(4L * Math.max(1, order.length));
        }
        writeInts(orderBuf, order);
        orderHost = order.clone();
    }

    @Override
    public int batchSize() {
        return batch;
    }

    private void ensureCapacity(int size) {
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
        for (int p = 0; p < 3; p++) {
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
        // q and delta are read where a launch does not write them (gemm operands padded to tiles read only
        // inside bounds, but be safe against NaN garbage): start from zeros.
        dev.zero(q, 0, q.bytes());
        dev.zero(delta, 0, delta.bytes());
        dev.zero(dvec, 0, dvec.bytes());
        capacity = size;
    }

    private GpuBuffer allocBatch(long bytes) {
        GpuBuffer b = dev.allocate(Math.max(4, bytes));
        batchBuffers.add(b);
        return b;
    }

    private void invalidate() {
        valid[FORWARD] = false;
        valid[FREE] = false;
        valid[CLAMPED] = false;
    }

    // ---- phases ----

    @Override
    public void forward() {
        requireBatch();
        int f = FORWARD;
        int n = lay.rowWidth();
        for (int k = 0; k < lay.layers(); k++) {
            GpuBuffer in = k == 0 ? x : z[f];
            int offIn = k == 0 ? 0 : lay.zOffset(k);
            int ldIn = k == 0 ? lay.width(0) : n;
            int zMode = k < lay.layers() - 1 ? 2 : 1;
            gemmNt(lay.width(k + 1), lay.width(k), in, offIn, ldIn, lay.wOffset(k), true, lay.bOffset(k),
                    a[f], lay.zOffset(k + 1), z[f], zMode);
        }
        valid[FORWARD] = true;
        valid[FREE] = false;
        valid[CLAMPED] = false;
    }

    @Override
    public void inferFree(SolverConfig solver) {
        infer(FREE, solver);
    }

    @Override
    public void inferClamped(SolverConfig solver) {
        infer(CLAMPED, solver);
    }

    private void infer(int p, SolverConfig solver) {
        requireBatch();
        if (!valid[FORWARD]) {
            throw new IllegalStateException("inference starts from the forward pass: call forward() after selectBatch()");
        }
        if (solver.solver() != Solver.JACOBI) {
            throw new EngineException("the GPU engines run the red-black Jacobi solver only; asked for " + solver.solver().id()
                    + " (use --solver jacobi, or the cpu engine for Gauss-Seidel)");
        }
        boolean clamped = p == CLAMPED;
        // The clamped phase starts from the free minimiser when this batch has one (see Engine#inferClamped).
        int start = clamped && valid[FREE] ? FREE : FORWARD;
        int rule = solver.stop().ordinal();
        float tol = solver.stop() == StopRule.FIXED ? 0f : (float) solver.tol();
        if (lay.layers() < 2) {
            // No hidden layer: the free phase is the forward pass, the clamped one has nothing to solve.
            dev.copy(z[start], 0, z[p], 0, 4L * batch * lay.rowWidth());
            dev.copy(a[start], 0, a[p], 0, 4L * batch * lay.rowWidth());
            setTop(p, clamped);
            energyInto(p);
            dev.zero(sweeps, 0, 4L * batch);
            kktInto(p, resid);
        } else if (usesFusedPath()) {
            if (!fusedFits()) {
                throw new EngineException("net " + config.net() + " needs " + fusedBytes + " bytes of local memory for the fused solver; "
                        + dev.info().name() + " has " + dev.localMemoryBytes());
            }
            dev.launch(kFused, batch, 1, fusedSize, 1, fusedBytes,
                    shape, lay.layers(), lay.rowWidth(), Math.max(1, lay.maxHidden()), lay.maxWidth(),
                    params, colNorms, z[start], a[start], z[p], a[p], y, clamped ? 1 : 0,
                    gamma, lo, hi, solver.maxSweeps(), rule, tol, energy[p], sweeps, resid);
        } else {
            inferLayered(p, start, clamped, solver.maxSweeps(), rule, tol);
        }
        dev.launch(kSolverStats, 1, 1, reduceSize, 1, 4 * reduceSize, batch, sweeps, resid, statsI, statsF);
        valid[p] = true;
    }

    private void inferLayered(int p, int start, boolean clamped, int maxSweeps, int rule, float tol) {
        long bytes = 4L * batch * lay.rowWidth();
        dev.copy(z[start], 0, z[p], 0, bytes);
        dev.copy(a[start], 0, a[p], 0, bytes);
        setTop(p, clamped);
        if (rule == StopRule.ENERGY.ordinal()) {
            energyInto(p);
        } else if (rule == StopRule.KKT.ordinal()) {
            kktInto(p, resid);
        }
        dev.launch(kSolveInit, groups(batch, 64), 1, 64, 1, 0, batch, rule, tol, energy[p], eprev, decrease, resid, active, sweeps);
        for (int s = 0; s < maxSweeps; s++) {
            for (int parity = 1; parity <= 2; parity++) {
                for (int k = parity; k < lay.layers(); k += 2) {
                    jacobiStep(p, k);
                }
            }
            if (!clamped) {
                setTop(p, false);
            }
            if (rule == StopRule.KKT.ordinal()) {
                kktInto(p, resid);
            }
            dev.launch(kCheckStop, groups(batch, 64), 1, 64, 1, 0, batch, rule, tol, eprev, decrease, resid, active, sweeps);
        }
        energyInto(p);
        kktInto(p, resid);
    }

    /** One Jacobi step with exact line search on hidden layer k of phase p (kernels/solver.cl). */
    private void jacobiStep(int p, int k) {
        int n = lay.width(k);
        int m = lay.width(k + 1);
        int ld = lay.rowWidth();
        int off = lay.zOffset(k);
        int off1 = lay.zOffset(k + 1);
        backProject(p, k, q);
        dev.launch(kPropose, groups(n, TS), groups(batch, TS), TS, TS, 0,
                batch, n, off, ld, z[p], a[p], q, colNorms, lay.cOffset(k), gamma, lo, hi, delta);
        gemmNt(m, n, delta, off, ld, lay.wOffset(k), false, 0, dvec, off1, dvec, 0);
        dev.launch(kLineSearch, batch, 1, reduceSize, 1, 4 * reduceSize,
                n, off, m, off1, ld, z[p], a[p], q, delta, dvec, gamma, (float) config.termWeight(k - 1), active, step,
                decrease);
        dev.launch(kApply, groups(Math.max(n, m), TS), groups(batch, TS), TS, TS, 0,
                batch, n, off, m, off1, ld, z[p], delta, a[p], dvec, step);
    }

    /** out[layer k] = W_k^T (z_{k+1} - a_{k+1}) of phase p, in the phase layout. */
    private void backProject(int p, int k, GpuBuffer out) {
        int n = lay.width(k);
        int m = lay.width(k + 1);
        int ld = lay.rowWidth();
        dev.launch(kGemmNn, groups(n, TS), groups(batch, TS), TS, TS, 0,
                batch, n, m, z[p], a[p], 1, lay.zOffset(k + 1), ld, params, lay.wOffset(k),
                out, lay.zOffset(k), ld, out, 0, lo, hi);
    }

    /** C = A W_k^T (+ b_k) with optional Z = C or Z = Proj_C(C), over the batch; rows of C have the phase layout. */
    private void gemmNt(int nOut, int nIn, GpuBuffer in, int offIn, int ldIn, int offW, boolean bias, int offB,
                        GpuBuffer c, int offC, GpuBuffer zOut, int zMode) {
        int ld = lay.rowWidth();
        dev.launch(kGemmNt, groups(nOut, TS), groups(batch, TS), TS, TS, 0,
                batch, nOut, nIn, in, offIn, ldIn, params, offW, params, offB, bias ? 1 : 0,
                c, offC, ld, zOut, offC, ld, zMode, lo, hi);
    }

    private void setTop(int p, boolean clamped) {
        int nL = lay.width(lay.layers());
        dev.launch(kSetTop, groups(nL, TS), groups(batch, TS), TS, TS, 0,
                batch, nL, lay.zOffset(lay.layers()), lay.rowWidth(), z[p], a[p], y, clamped ? 1 : 0);
    }

    private void energyInto(int p) {
        dev.launch(kEnergy, batch, 1, reduceSize, 1, 4 * reduceSize,
                shape, lay.layers(), gamma, lay.rowWidth(), z[p], a[p], energy[p]);
    }

    private void kktInto(int p, GpuBuffer out) {
        for (int k = 1; k < lay.layers(); k++) {
            backProject(p, k, q);
        }
        dev.launch(kKkt, batch, 1, reduceSize, 1, 4 * reduceSize,
                shape, lay.layers(), gamma, lay.rowWidth(), z[p], a[p], q, lo, hi, p == CLAMPED ? 0 : 1, out);
    }

    // ---- gradients and update ----

    @Override
    public void computeGradient(Method method) {
        requireBatch();
        switch (method) {
            case CONTRASTIVE -> {
                requirePhase(CLAMPED, method);
                requirePhase(FREE, method);
                energyGradient(CLAMPED, 1f, false);
                energyGradient(FREE, -1f, true);
            }
            case LIFTED -> {
                requirePhase(CLAMPED, method);
                energyGradient(CLAMPED, 1f, false);
            }
            case BACKPROP, LINEAR -> {
                requirePhase(FORWARD, method);
                backpropGradient();
            }
        }
    }

    /** G (+)= sign * mean_b dE/dtheta at phase p: dE/dW_k = -gamma^k lambda_{k+1} z_k^T, dE/db_k = -gamma^k lambda_{k+1}. */
    private void energyGradient(int p, float sign, boolean accumulate) {
        int ld = lay.rowWidth();
        for (int k = 0; k < lay.layers(); k++) {
            float alpha = (float) (-sign * config.termWeight(k) / batch);
            GpuBuffer v = k == 0 ? x : z[p];
            int offV = k == 0 ? 0 : lay.zOffset(k);
            int ldV = k == 0 ? lay.width(0) : ld;
            outer(lay.width(k + 1), lay.width(k), z[p], a[p], true, lay.zOffset(k + 1), ld, v, offV, ldV, k, alpha, accumulate);
        }
    }

    /** Gradient of 1/2 ||z_L - y||^2 through the forward pass, averaged over the batch. */
    private void backpropGradient() {
        int ld = lay.rowWidth();
        int L = lay.layers();
        int nL = lay.width(L);
        dev.launch(kOutputDelta, groups(nL, TS), groups(batch, TS), TS, TS, 0,
                batch, nL, lay.zOffset(L), ld, z[FORWARD], y, delta);
        for (int k = L - 1; k >= 0; k--) {
            GpuBuffer v = k == 0 ? x : z[FORWARD];
            int offV = k == 0 ? 0 : lay.zOffset(k);
            int ldV = k == 0 ? lay.width(0) : ld;
            outer(lay.width(k + 1), lay.width(k), delta, delta, false, lay.zOffset(k + 1), ld, v, offV, ldV, k, 1f / batch, false);
            if (k >= 1) {
                int n = lay.width(k);
                dev.launch(kGemmNn, groups(n, TS), groups(batch, TS), TS, TS, 0,
                        batch, n, lay.width(k + 1), delta, delta, 0, lay.zOffset(k + 1), ld, params, lay.wOffset(k),
                        delta, lay.zOffset(k), ld, z[FORWARD], 1, lo, hi);
            }
        }
    }

    private void outer(int nOut, int nIn, GpuBuffer u, GpuBuffer u2, boolean sub, int offU, int ldU,
                       GpuBuffer v, int offV, int ldV, int k, float alpha, boolean accumulate) {
        dev.launch(kOuter, groups(nIn + 1, TS), groups(nOut, TS), TS, TS, 0,
                batch, nOut, nIn, u, u2, sub ? 1 : 0, offU, ldU, v, offV, ldV,
                grad, lay.wOffset(k), lay.bOffset(k), alpha, accumulate ? 1 : 0);
    }

    /**
     * {@code theta_k -= rates[k] * G_k} per layer, on the device; a gradient holding a NaN or an infinity is
     * not applied (decided on the device, counted in the statistics). Invalidates the activations.
     */
    @Override
    public void applyUpdate(double[] rates) {
        requireOpen();
        EngineChecks.rates(config, rates);
        dev.launch(kCheckGradient, 1, 1, reduceSize, 1, 4 * reduceSize, lay.paramCount(), grad, updateOk, hidden(), statsI);
        for (int k = 0; k < lay.layers(); k++) {
            int from = lay.wOffset(k);
            int count = lay.bOffset(k) + lay.width(k + 1) - from;
            dev.launch(kSgd, groups(count, 256), 1, 256, 1, 0, from, count, params, grad, (float) rates[k], updateOk);
        }
        updateColNorms();
        invalidate();
    }

    // ---- metrics ----

    @Override
    public void accumulateMetrics(Phase prediction) {
        requireBatch();
        int p = prediction.ordinal();
        if (!valid[p]) {
            throw new IllegalStateException("no " + prediction + " activations for this batch to take metrics from");
        }
        dev.launch(kMetrics, 1, 1, reduceSize, 1, 8 * reduceSize,
                batch, shape, lay.layers(), lay.rowWidth(), z[p], y, lo, hi,
                energy[FREE], valid[FREE] ? 1 : 0, energy[CLAMPED], valid[CLAMPED] ? 1 : 0, statsI, statsF);
    }

    @Override
    public EpochStats drainStats() {
        requireOpen();
        int h = hidden();
        int[] ints = readInts(statsI, statsInts());
        float[] floats = readFloats(statsF, STATS_FLOATS);
        resetStats();
        long[] linear = new long[h];
        for (int k = 0; k < h; k++) {
            linear[k] = Integer.toUnsignedLong(ints[STATS_INTS_FIXED + k]);
        }
        long inferences = Integer.toUnsignedLong(ints[2]);
        double maxResidual = inferences == 0 ? Double.NaN : floats[4];
        return new EpochStats(Integer.toUnsignedLong(ints[0]), Integer.toUnsignedLong(ints[1]), linear,
                (double) floats[0] + floats[1], (double) floats[2] + floats[3], inferences,
                Integer.toUnsignedLong(ints[3]), maxResidual, ints[STATS_INTS_FIXED + h], ints[STATS_INTS_FIXED + h + 1]);
    }

    private void resetStats() {
        int[] ints = new int[statsInts()];
        ints[STATS_INTS_FIXED + hidden() + 1] = -1;
        writeInts(statsI, ints);
        dev.zero(statsF, 0, statsF.bytes());
    }

    // ---- inspection ----

    @Override
    public float[] activations(Phase phase, int layer) {
        requireBatch();
        int p = phase.ordinal();
        if (!valid[p]) {
            throw new IllegalStateException("no " + phase + " activations for this batch");
        }
        if (layer < 0 || layer > lay.layers()) {
            throw new IllegalArgumentException("layer " + layer + " is outside 0.." + lay.layers());
        }
        if (layer == 0) {
            return readFloats(x, batch * lay.width(0));
        }
        int ld = lay.rowWidth();
        float[] rows = readFloats(z[p], batch * ld);
        int n = lay.width(layer);
        float[] out = new float[batch * n];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(rows, b * ld + lay.zOffset(layer), out, b * n, n);
        }
        return out;
    }

    @Override
    public double[] energies(Phase phase) {
        requireBatch();
        int p = phase.ordinal();
        if (!valid[p]) {
            throw new IllegalStateException("no " + phase + " activations for this batch");
        }
        if (p == FORWARD) {
            // The phases keep the energies their inference ended with (the ones the metrics sum).
            energyInto(p);
        }
        float[] e = readFloats(energy[p], batch);
        double[] out = new double[batch];
        for (int b = 0; b < batch; b++) {
            out[b] = e[b];
        }
        return out;
    }

    @Override
    public double kktResidual(Phase phase) {
        requireBatch();
        int p = phase.ordinal();
        if (!valid[p]) {
            throw new IllegalStateException("no " + phase + " activations for this batch");
        }
        kktInto(p, step);
        float[] r = readFloats(step, batch);
        double max = 0;
        for (float v : r) {
            max = Math.max(max, v);
        }
        return max;
    }

    // ---- host transfers ----

    private void writeFloats(GpuBuffer dst, float[] values) {
        ByteBuffer buf = MemoryUtil.memAlloc(4 * values.length);
        try {
            buf.asFloatBuffer().put(values);
            dev.write(dst, 0, buf);
        } finally {
            MemoryUtil.memFree(buf);
        }
    }

    private void writeInts(GpuBuffer dst, int[] values) {
        ByteBuffer buf = MemoryUtil.memAlloc(4 * values.length);
        try {
            buf.asIntBuffer().put(values);
            dev.write(dst, 0, buf);
        } finally {
            MemoryUtil.memFree(buf);
        }
    }

    private float[] readFloats(GpuBuffer src, int count) {
        ByteBuffer buf = MemoryUtil.memAlloc(4 * count);
        try {
            dev.read(src, 0, buf);
            FloatBuffer fb = buf.asFloatBuffer();
            float[] out = new float[count];
            fb.get(out);
            return out;
        } finally {
            MemoryUtil.memFree(buf);
        }
    }

    private int[] readInts(GpuBuffer src, int count) {
        ByteBuffer buf = MemoryUtil.memAlloc(4 * count);
        try {
            dev.read(src, 0, buf);
            IntBuffer ib = buf.asIntBuffer();
            int[] out = new int[count];
            ib.get(out);
            return out;
        } finally {
            MemoryUtil.memFree(buf);
        }
    }

    private static int groups(int n, int size) {
        return Math.max(1, (n + size - 1) / size);
    }

    // ---- state checks and cleanup ----

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("engine " + name + " is closed");
        }
    }

    private void requireBatch() {
        requireOpen();
        if (batch == 0) {
            throw new IllegalStateException("no batch selected: call selectBatch() first");
        }
    }

    private void requirePhase(int p, Method method) {
        if (!valid[p]) {
            throw new IllegalStateException(method.id() + " needs the " + Phase.values()[p] + " activations of this batch");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeQuietly();
        }
    }

    private void closeQuietly() {
        try {
            batchBuffers.forEach(GpuBuffer::close);
            batchBuffers.clear();
            fixed.forEach(GpuBuffer::close);
            fixed.clear();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "freeing device buffers of " + name + " failed", e);
        } finally {
            dev.close();
        }
    }
}
