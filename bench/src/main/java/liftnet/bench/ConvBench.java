package liftnet.bench;

import java.util.concurrent.TimeUnit;
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

/**
 * A contrastive step against a back-propagation step of the same convolutional net on the CPU engine
 * ({@code liftnet.cpu.CpuEngine}), in samples per second at batch 50, with the conventions of
 * {@link ContrastiveBench} and {@link BackpropBench}: {@code sweeps} {@code 15} fixed red-black Jacobi sweeps or
 * {@code tol} (relative energy change below {@link Workload#TOLERANCE}, at most 15), or {@code tol12}: the stop at
 * {@link #CONV_TOLERANCE} that the conv results train with. The target: a contrastive step at most 10x the
 * time of a backprop step.
 *
 * <pre>java -jar bench/target/benchmarks.jar ConvBench</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g", "-Djava.awt.headless=true"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
public class ConvBench {

    @Param({"1x28x28-c16k5s2-c32k3s2-64-10"})
    public String net;

    @Param({"15", "tol", "tol12"})
    public String sweeps;

    /**
     * The energy stop of {@code scripts/conv-results.sh}: at {@link Workload#TOLERANCE} a phase ends before the clamp
     * has settled the first conv layer, whose gradient then points away from the converged one (docs/conv.md,
     * "Stopping the clamped phase").
     */
    static final double CONV_TOLERANCE = 1e-12;

    private Workload w;

    @Setup(Level.Trial)
    public void setup() {
        w = Workload.open("cpu", net, 50);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (w != null) {
            w.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(50)
    public void contrastive_b50() {
        w.contrastiveStep(sweeps.equals("tol12")
                ? SolverConfig.tolerance(Solver.JACOBI, CONV_TOLERANCE, SolverConfig.PAPER_SWEEPS) : Workload.solver(sweeps));
    }

    /** Back-propagation does not infer: the {@code sweeps} parameter does not change it (both rows are one figure). */
    @Benchmark
    @OperationsPerInvocation(50)
    public void backprop_b50() {
        w.backpropStep();
    }
}
