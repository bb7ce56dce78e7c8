package liftnet.gpu;

import liftnet.api.EngineSwitches;

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
     * The defaults with the command line's {@code switches} ({@code --gpu-step}, {@code --gpu-gemm},
     * {@code --gpu-graphs}); the kernel-fault debugging property ({@link SyncLaunches}) turns replay off, since a graph
     * cannot hold its per-launch waits.
     */
    public static GpuOptions of(EngineSwitches switches) {
        GpuOptions d = defaults();
        return new GpuOptions(d.path(), GpuEngine.StepMode.valueOf(switches.step().name()),
                LayeredSolver.Gemm.valueOf(switches.gemm().name()), switches.graphs() && !SyncLaunches.enabled());
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
