package liftnet.gpu;

import liftnet.api.EngineException;

/**
 * The GPU engine's switches, given at construction ({@code OclEngine}, {@code CudaEngine}) and fixed for the engine's
 * life unless a test or benchmark changes one through {@link GpuEngine}'s setters. Every combination runs the same
 * arithmetic; the switches choose launches and kernels, for diagnosis and for the GPU check's variant runs.
 *
 * @param path   how inference runs ({@link GpuEngine.Path#AUTO}: fused where the net fits local memory; nets with
 *               convolutions always take the layered path)
 * @param step   how the fused path groups a step's phases into launches
 * @param gemm   which kernels compute the layered path's matrix products ({@code kernels/gemm.cl})
 * @param graphs whether a repeated epoch is recorded once and replayed (CUDA graphs)
 */
public record GpuOptions(GpuEngine.Path path, GpuEngine.StepMode step, LayeredSolver.Gemm gemm, boolean graphs) {

    /** System property of {@link #step} for {@link #fromSystemProperties()}: {@code fused}, {@code phased}, {@code off}. */
    public static final String STEP_PROPERTY = "liftnet.gpu.step";
    /** System property of {@link #gemm}: {@code auto}, {@code tiled}, {@code blocked}. */
    public static final String GEMM_PROPERTY = "liftnet.gpu.gemm";
    /** System property of {@link #graphs}: {@code off} turns replay off. */
    public static final String GRAPH_PROPERTY = "liftnet.gpu.graph";

    public GpuOptions {
        if (path == null || step == null || gemm == null) {
            throw new IllegalArgumentException("path, step and gemm are required; found " + path + ", " + step + ", " + gemm);
        }
    }

    /** Fused where the net fits, one fused_step launch per step, GEMM kernels by size, replay on. */
    public static GpuOptions defaults() {
        return new GpuOptions(GpuEngine.Path.AUTO, GpuEngine.StepMode.FUSED, LayeredSolver.Gemm.AUTO, true);
    }

    /**
     * The defaults with what the system properties {@value #STEP_PROPERTY}, {@value #GEMM_PROPERTY} and
     * {@value #GRAPH_PROPERTY} set (how {@code scripts/gpu-variants.sh} and the GPU check choose a variant), read
     * once here; the kernel-fault switch ({@link SyncLaunches}) turns replay off, since a graph cannot hold its
     * per-launch waits.
     *
     * @throws EngineException when a property names no value of its switch
     */
    public static GpuOptions fromSystemProperties() {
        GpuOptions d = defaults();
        GpuEngine.StepMode step = Switches.fromProperty(GpuEngine.StepMode.class, STEP_PROPERTY, d.step());
        LayeredSolver.Gemm gemm = Switches.fromProperty(LayeredSolver.Gemm.class, GEMM_PROPERTY, d.gemm());
        boolean graphs = !"off".equalsIgnoreCase(System.getProperty(GRAPH_PROPERTY, "on").trim()) && !SyncLaunches.enabled();
        return new GpuOptions(d.path(), step, gemm, graphs);
    }

    public GpuOptions withPath(GpuEngine.Path p) {
        return new GpuOptions(p, step, gemm, graphs);
    }

    public GpuOptions withStep(GpuEngine.StepMode s) {
        return new GpuOptions(path, s, gemm, graphs);
    }

    public GpuOptions withGemm(LayeredSolver.Gemm g) {
        return new GpuOptions(path, step, g, graphs);
    }

    public GpuOptions withGraphs(boolean on) {
        return new GpuOptions(path, step, gemm, on);
    }
}
