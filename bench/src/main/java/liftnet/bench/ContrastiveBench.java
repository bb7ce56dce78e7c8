package liftnet.bench;

import java.util.concurrent.TimeUnit;
import liftnet.api.Method;
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
 * Contrastive training and free-phase inference, in samples per second (one operation = one sample: each
 * invocation runs a whole batch and declares {@code @OperationsPerInvocation(batch)}; the batch size is in
 * the method name because the annotation needs a constant).
 * <ul>
 * <li>{@code contrastive_bN}: select batch, forward, free and clamped inference, contrastive gradient, SGD
 *     update with the paper's rates ({@code eta_BP / gamma^(L-1)}, {@code eta_BP = 1/20});</li>
 * <li>{@code free_bN}: select batch, forward, free inference (prediction).</li>
 * </ul>
 * {@code sweeps}: {@code 15} red-black Jacobi sweeps, or {@code tol}: stop when the relative energy change
 * of a sweep is below {@link Workload#TOLERANCE}, at most 15. Engines other than the CPU are checked against it in the setup
 * ({@link Validation}); an absent engine fails its trials with "engine ... absent" (use {@link StandardSet},
 * which runs only the engines present).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g", "-Djava.awt.headless=true"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ContrastiveBench {

    @Param({"cpu", "opencl", "cuda"})
    public String engine;

    @Param({"784-64-64-64-10", "784-128-64-64-32-10", "1024-512-512-10"})
    public String net;

    @Param({"15", "tol"})
    public String sweeps;

    private Workload w;
    private SolverConfig solver;
    private String validation = "not validated (reference engine)";
    private BenchmarkParams bp;

    @Setup(Level.Trial)
    public void setup(BenchmarkParams params) {
        bp = params;
        solver = Workload.solver(sweeps);
        w = Workload.open(engine, net, params.getOpsPerInvocation());
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

    @Benchmark
    @OperationsPerInvocation(1000)
    public void contrastive_b1000() {
        w.contrastiveStep(solver);
    }

    @Benchmark
    @OperationsPerInvocation(50)
    public void free_b50() {
        w.freeInference(solver);
    }

    @Benchmark
    @OperationsPerInvocation(1000)
    public void free_b1000() {
        w.freeInference(solver);
    }
}
