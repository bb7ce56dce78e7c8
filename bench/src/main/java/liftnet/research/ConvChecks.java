package liftnet.research;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Locale;
import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import liftnet.io.ModelFile;

/**
 * The conv-net figures of {@code docs/conv.md} and {@code results/conv/README.md} that no test asserts, printed:
 * <ul>
 * <li>{@code sweeps MODEL DATA_DIR N}: the mean and largest relative energy gap {@code (E_s - E*) / E*} after {@code s}
 *     sweeps of Jacobi and of Gauss-Seidel, free and clamped, on the first N test samples ({@code E*}: 400 sweeps);</li>
 * <li>{@code time NET DATA_DIR STEPS}: CPU time of one training step (batch 50, one thread, 15 Jacobi sweeps or the
 *     tolerance stop {@code 1e-9}) of contrastive and backprop, and of one 50-sample evaluation batch (free phase), on
 *     MNIST training samples, from the initial weights (the weights are not updated: rate 0).</li>
 * </ul>
 * Its former subcommands live elsewhere: {@code cosine} and {@code solved} are the user command
 * {@code ./run.sh gradients}; {@code fd} (finite differences) and {@code reference} (against the double reference)
 * are asserted by the core's {@code liftnet.cpu.CpuEngineConvTest}.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar liftnet.research.ConvChecks ...</pre>
 */
public final class ConvChecks {

    /** The tolerance of the {@code -tol} timings, as in the benchmarks ({@code --tol 1e-9}). */
    private static final double TOL = 1e-9;

    private ConvChecks() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "sweeps" -> sweeps(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            case "time" -> time(args[1], Path.of(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("sweeps MODEL DATA N | time NET DATA STEPS"
                    + " (cosine and solved: ./run.sh gradients; fd and reference: CpuEngineConvTest asserts them)");
        }
    }

    private static Engine prepared(NetConfig config, Parameters p, Dataset data, int threads) {
        Engine e = new CpuEngine(config, threads);
        e.setParameters(p);
        DeviceData d = e.upload(data);
        e.selectBatch(d, TestNets.identity(data.count()), 0, data.count());
        e.forward();
        return e;
    }

    private static ModelFile.Model read(Path model) {
        try {
            return ModelFile.read(model);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void sweeps(Path model, Path dataDir, int n) {
        ModelFile.Model m = read(model);
        Dataset data = DataSets.load(DatasetId.MNIST, dataDir, Split.TEST).head(n);
        int[] counts = {1, 2, 3, 4, 5, 7, 10, 15, 20, 30};
        for (boolean clamped : new boolean[] {false, true}) {
            double[] exact;
            try (Engine e = prepared(m.config(), m.parameters(), data, 2)) {
                SolverConfig s = SolverConfig.fixed(Solver.GAUSS_SEIDEL, 400);
                exact = infer(e, s, clamped);
            }
            for (Solver solver : Solver.values()) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-7s %-12s", clamped ? "clamped" : "free",
                        solver.name().toLowerCase(Locale.ROOT)));
                for (int s : counts) {
                    try (Engine e = prepared(m.config(), m.parameters(), data, 2)) {
                        double[] got = infer(e, SolverConfig.fixed(solver, s), clamped);
                        double mean = 0;
                        double max = 0;
                        for (int r = 0; r < n; r++) {
                            double gap = (got[r] - exact[r]) / exact[r];
                            mean += gap / n;
                            max = Math.max(max, gap);
                        }
                        line.append(String.format(Locale.ROOT, "  %d: %.1e/%.1e", s, mean, max));
                    }
                }
                System.out.println(line);
            }
        }
    }

    private static double[] infer(Engine e, SolverConfig s, boolean clamped) {
        if (clamped) {
            e.inferFree(s);
            e.inferClamped(s);
            return e.energies(Phase.CLAMPED);
        }
        e.inferFree(s);
        return e.energies(Phase.FREE);
    }

    private static void time(String net, Path dataDir, int steps) {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        NetSpec spec = NetSpec.parse(net);
        NetConfig config = new NetConfig(spec, Units.RELU, 0.125);
        Dataset data = DataSets.load(DatasetId.MNIST, dataDir, Split.TRAIN).head(50 * steps);
        SolverConfig solver = SolverConfig.paperDefault();
        try (Engine e = new liftnet.cpu.CpuEngineProvider().create(config, 0, 1)) {
            e.setParameters(Parameters.initial(spec, 1));
            DeviceData d = e.upload(data);
            int[] order = TestNets.identity(data.count());
            for (String what : new String[] {"contrastive", "contrastive-tol", "backprop", "evaluate", "evaluate-tol"}) {
                SolverConfig sc = what.endsWith("-tol") ? SolverConfig.tolerance(Solver.JACOBI, TOL, SolverConfig.PAPER_SWEEPS)
                        : solver;
                long sweeps = 0;
                long inferences = 0;
                for (int warm = 0; warm < 2; warm++) {
                    long t0 = bean.getCurrentThreadCpuTime();
                    int n = steps;
                    for (int s = 0; s < n; s++) {
                        e.selectBatch(d, order, 50 * s, 50);
                        e.forward();
                        switch (what) {
                            case "contrastive", "contrastive-tol" -> {
                                e.inferFree(sc);
                                e.inferClamped(sc);
                                e.computeGradient(Method.CONTRASTIVE);
                                e.applyUpdate(0.0);
                            }
                            case "backprop" -> {
                                e.computeGradient(Method.BACKPROP);
                                e.applyUpdate(0.0);
                            }
                            default -> {
                                e.inferFree(sc);
                                e.accumulateMetrics(Phase.FREE);
                            }
                        }
                        liftnet.api.EpochStats st = e.drainStats();
                        sweeps += warm == 1 ? st.sweeps() : 0;
                        inferences += warm == 1 ? st.inferences() : 0;
                    }
                    double ms = (bean.getCurrentThreadCpuTime() - t0) / 1e6 / n;
                    if (warm == 1) {
                        System.out.printf(Locale.ROOT, "%s %s: %.2f ms CPU per batch of 50 (1 thread): %.0f s per 60,000"
                                + " samples; mean sweeps %.2f%n", net, what, ms, ms * 1200 / 1000,
                                inferences == 0 ? Double.NaN : (double) sweeps / inferences);
                    }
                }
            }
        }
    }
}
