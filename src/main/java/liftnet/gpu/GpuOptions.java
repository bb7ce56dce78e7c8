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
 * @param conv   which kernels compute the convolutions' products ({@code kernels/conv.cl})
 * @param earlyExit whether the layered solver's sweeps skip their work on the device once no sample of the batch is
 *               active ({@code SKIP_IF_SETTLED} in kernels/common.cl)
 */
public record GpuOptions(GpuEngine.Path path, GpuEngine.StepMode step, LayeredSolver.Gemm gemm, boolean graphs,
                         ConvForm conv, boolean earlyExit) {

    public GpuOptions {
        if (path == null || step == null || gemm == null || conv == null) {
            throw new IllegalArgumentException("path, step, gemm and conv are required; found " + path + ", " + step
                    + ", " + gemm + ", " + conv);
        }
    }

    /** These options with the early exit on. */
    public GpuOptions(GpuEngine.Path path, GpuEngine.StepMode step, LayeredSolver.Gemm gemm, boolean graphs, ConvForm conv) {
        this(path, step, gemm, graphs, conv, true);
    }

    /**
     * Fused where the net fits, one fused_step launch per step, GEMM kernels by size, replay on, direct convolutions
     * (the implicit GEMM, {@code --gpu-conv gemm}, is predicted faster on a GPU but was 2.4x slower or worse on PoCL, and
     * has not been timed on a GPU yet; docs/gpu-conv.md), early exit on.
     */
    public static GpuOptions defaults() {
        return new GpuOptions(GpuEngine.Path.AUTO, GpuEngine.StepMode.FUSED, LayeredSolver.Gemm.AUTO, true, ConvForm.DIRECT, true);
    }

    /**
     * The defaults with the command line's {@code switches} ({@code --gpu-step}, {@code --gpu-gemm},
     * {@code --gpu-graphs}, {@code --gpu-conv}, {@code --gpu-early-exit}); the kernel-fault debugging property ({@link SyncLaunches}) turns replay off, since a graph
     * cannot hold its per-launch waits.
     */
    public static GpuOptions of(EngineSwitches switches) {
        GpuOptions d = defaults();
        return new GpuOptions(d.path(), GpuEngine.StepMode.valueOf(switches.step().name()),
                LayeredSolver.Gemm.valueOf(switches.gemm().name()), switches.graphs() && !SyncLaunches.enabled(),
                ConvForm.valueOf(switches.conv().name()), switches.earlyExit());
    }

    public GpuOptions withPath(GpuEngine.Path p) {
        return new GpuOptions(p, step, gemm, graphs, conv, earlyExit);
    }

    public GpuOptions withStep(GpuEngine.StepMode s) {
        return new GpuOptions(path, s, gemm, graphs, conv, earlyExit);
    }

    public GpuOptions withGemm(LayeredSolver.Gemm g) {
        return new GpuOptions(path, step, g, graphs, conv, earlyExit);
    }

    public GpuOptions withGraphs(boolean on) {
        return new GpuOptions(path, step, gemm, on, conv, earlyExit);
    }

    public GpuOptions withConv(ConvForm c) {
        return new GpuOptions(path, step, gemm, graphs, c, earlyExit);
    }

    public GpuOptions withEarlyExit(boolean on) {
        return new GpuOptions(path, step, gemm, graphs, conv, on);
    }
}
