package liftnet.cli;

import liftnet.api.EngineSwitches;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options that choose an engine and its activation solver, shared by every command that runs one
 * ({@code train}, {@code evaluate}, {@code energy}) as a picocli {@code @Mixin}: {@code --device},
 * {@code --threads}, {@code --sweeps}, {@code --tol}, {@code --solver}, and the GPU engines' hidden switches
 * {@code --gpu-step}, {@code --gpu-gemm}, {@code --gpu-graphs}, {@code --gpu-conv}.
 */
final class EngineOptions {

    @Option(names = "--device", paramLabel = "X", defaultValue = "auto", converter = Converters.Device.class,
            description = "cpu, opencl[:N], cuda[:N], gpu or auto (a GPU if one works, else the CPU). Default: ${DEFAULT-VALUE}")
    String device;

    @Option(names = "--threads", paramLabel = "N",
            description = "CPU threads (the results are the same for any count). Default: all processors")
    Integer threads;

    @Option(names = "--sweeps", paramLabel = "S", defaultValue = "15",
            description = "Solver sweeps per inference (the maximum with --tol). Default: ${DEFAULT-VALUE}")
    int sweeps;

    @Option(names = "--tol", paramLabel = "T",
            description = "Stop an inference when a sweep lowers the energy by less than this, relatively, e.g. 1e-9 (optional)")
    Double tol;

    @Option(names = "--solver", paramLabel = "S", defaultValue = "jacobi", converter = Converters.SolverConverter.class,
            description = "jacobi (red-black, layer-parallel) or gauss-seidel (the paper's). Default: ${DEFAULT-VALUE}")
    Solver solver;

    @Option(names = "--gpu-step", paramLabel = "M", hidden = true, defaultValue = "fused", converter = Converters.GpuStep.class,
            description = "GPU engines: fused (one launch per step), phased (one per phase) or off. Default: ${DEFAULT-VALUE}")
    EngineSwitches.Step gpuStep;

    @Option(names = "--gpu-gemm", paramLabel = "K", hidden = true, defaultValue = "auto", converter = Converters.GpuGemm.class,
            description = "GPU engines' layered GEMM kernels: auto, tiled or blocked. Default: ${DEFAULT-VALUE}")
    EngineSwitches.Gemm gpuGemm;

    @Option(names = "--gpu-graphs", paramLabel = "on|off", hidden = true, defaultValue = "on", converter = Converters.GpuGraphs.class,
            description = "GPU engines: replay a repeated epoch as a CUDA graph. Default: ${DEFAULT-VALUE}")
    String gpuGraphs;

    @Option(names = "--gpu-conv", paramLabel = "F", hidden = true, defaultValue = "direct", converter = Converters.GpuConv.class,
            description = "GPU engines' convolution kernels: gemm (implicit GEMM in tiles) or direct (one work-item per"
                    + " output). Default: ${DEFAULT-VALUE}")
    EngineSwitches.Conv gpuConv;

    @Option(names = "--gpu-early-exit", paramLabel = "on|off", hidden = true, defaultValue = "on", converter = Converters.GpuGraphs.class,
            description = "GPU engines: with --tol, the layered solver's remaining sweeps do no work once every sample of"
                    + " the batch has stopped. Default: ${DEFAULT-VALUE}")
    String gpuEarlyExit;

    /**
     * The GPU engines' switches of {@code --gpu-step}, {@code --gpu-gemm}, {@code --gpu-graphs}, {@code --gpu-conv},
     * {@code --gpu-early-exit}.
     */
    EngineSwitches switches() {
        return new EngineSwitches(gpuStep, gpuGemm, "on".equals(gpuGraphs), gpuConv, "on".equals(gpuEarlyExit));
    }

    /** Checks the numeric options; a bad one is a usage error naming the option, the value and a valid one. */
    void validate(CommandLine cli) {
        if (sweeps < 0) {
            throw Errors.usage(cli, "--sweeps " + sweeps + ": must be at least 0, e.g. 15 (the paper's value)");
        }
        if (tol != null && !(tol > 0 && Double.isFinite(tol))) {
            throw Errors.usage(cli, "--tol " + tol + ": must be a positive finite number, e.g. 1e-9");
        }
        if (threads != null && threads < 1) {
            throw Errors.usage(cli, "--threads " + threads + ": must be at least 1");
        }
    }

    /**
     * Refuses {@code --sweeps 0} where activations are inferred by minimising the energy: zero sweeps leave them at
     * their starting point, so every number the run reports would come from an energy that was never minimised.
     *
     * @param what what infers, e.g. {@code "--method contrastive"}
     */
    void requireSweeps(CommandLine cli, String what) {
        if (sweeps == 0) {
            throw Errors.usage(cli, "--sweeps 0: " + what + " infers the activations by minimising the energy, which takes"
                    + " at least 1 sweep; use e.g. --sweeps 15 (the paper's value)");
        }
    }

    /** {@code --threads}, or all processors. */
    int threadCount() {
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }

    SolverConfig solverConfig() {
        return tol == null ? SolverConfig.fixed(solver, sweeps) : SolverConfig.tolerance(solver, tol, sweeps);
    }
}
