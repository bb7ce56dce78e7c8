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
 * The baseline: a back-propagation training step of the same feed-forward net in the same engine (select
 * batch, forward, gradient of {@code 1/2 ||z_L - y||^2}, SGD update with {@code eta_BP = 1/20}), in samples
 * per second. See {@link ContrastiveBench} for the conventions.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g", "-Djava.awt.headless=true"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BackpropBench {

    @Param({"cpu", "opencl", "cuda"})
    public String engine;

    @Param({"784-64-64-64-10", "784-128-64-64-32-10", "1024-512-512-10"})
    public String net;

    private Workload w;
    private String validation = "not validated (reference engine)";
    private BenchmarkParams bp;

    @Setup(Level.Trial)
    public void setup(BenchmarkParams params) {
        bp = params;
        w = Workload.open(engine, net, params.getOpsPerInvocation());
        if (Validation.wanted(engine)) {
            validation = Validation.check(w, Method.BACKPROP, SolverConfig.paperDefault());
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
    public void backprop_b50() {
        w.backpropStep();
    }

    @Benchmark
    @OperationsPerInvocation(1000)
    public void backprop_b1000() {
        w.backpropStep();
    }
}
