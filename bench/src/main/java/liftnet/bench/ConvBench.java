package liftnet.bench;

import java.util.concurrent.TimeUnit;
import liftnet.api.Method;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * A contrastive step against a back-propagation step of the same convolutional net on each engine ({@code cpu}:
 * {@code liftnet.cpu.CpuEngine}; {@code opencl}, {@code cuda}: the layered path with {@code kernels/conv.cl},
 * checked against the CPU engine in the setup by {@link Validation}), in samples per second at batch 50, with the conventions of
 * {@link ContrastiveBench} and {@link BackpropBench}: {@code sweeps} {@code 15} fixed red-black Jacobi sweeps or
 * {@code tol} (relative energy change below {@link Workload#TOLERANCE}, at most 15), or {@code tol12}: the stop at
 * {@link #CONV_TOLERANCE} that the conv results train with. The target: a contrastive step at most 10x the
 * time of a backprop step. The nets: the MNIST conv net of the results, and a VGG-style net on {@code 3x32x32} inputs
 * (generated images of that shape, {@link BenchData}) with stride-2 convolutions in place of pooling, 0.1 GMAC per
 * sample forward: on the CPU engine a single step of it takes minutes, so run it on a GPU engine.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar ConvBench -p net=1x28x28-c16k5s2-c32k3s2-64-10
 * java -jar bench/target/benchmarks.jar ConvBench -p engine=cuda -p sweeps=15,tol12
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g", "-Djava.awt.headless=true"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
public class ConvBench {

    @Param({"cpu", "opencl", "cuda"})
    public String engine;

    @Param({"1x28x28-c16k5s2-c32k3s2-64-10", VGG_STRIDED})
    public String net;

    /** The VGG-style net of issue 28 (64-128-256-256 channels, 3 x 3 kernels) with stride 2 in place of each pooling. */
    static final String VGG_STRIDED = "3x32x32-c64k3s2-c128k3s2-c256k3s2-c256k3s2-10";

    @Param({"15", "tol", "tol12"})
    public String sweeps;

    /**
     * The energy stop of {@code scripts/conv-results.sh}: at {@link Workload#TOLERANCE} a phase ends before the clamp
     * has settled the first conv layer, whose gradient then points away from the converged one (docs/conv.md,
     * "Stopping the clamped phase").
     */
    static final double CONV_TOLERANCE = 1e-12;

    private Workload w;
    private SolverConfig solver;
    private String validation = "not validated (reference engine)";
    private BenchmarkParams bp;

    @Setup(Level.Trial)
    public void setup(BenchmarkParams params) {
        bp = params;
        solver = sweeps.equals("tol12") ? SolverConfig.tolerance(Solver.JACOBI, CONV_TOLERANCE, SolverConfig.PAPER_SWEEPS)
                : Workload.solver(sweeps);
        w = Workload.open(engine, net, 50);
        if (Validation.wanted(engine)) {
            validation = Validation.check(w, Method.CONTRASTIVE, solver);
            System.err.println("[bench] validated against the CPU engine: " + validation);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (w != null) {
            Sidecar.record(bp, w, validation);
            w.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(50)
    public void contrastive_b50() {
        w.contrastiveStep(solver);
    }

    /** Back-propagation does not infer: the {@code sweeps} parameter does not change it (both rows are one figure). */
    @Benchmark
    @OperationsPerInvocation(50)
    public void backprop_b50() {
        w.backpropStep();
    }
}
