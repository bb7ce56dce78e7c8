package liftnet.cpu;

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
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import liftnet.io.ModelFile;
import liftnet.report.GradientAgreement;
import liftnet.solve.LayerOp;

/**
 * The figures behind the conv-net notes, printed (not a JUnit test):
 * <ul>
 * <li>{@code fd}: the largest relative finite-difference error of each method's gradient on the test conv net of
 *     {@link CpuEngineConvTest}, over all weight and bias tensors and the three kinds of units;</li>
 * <li>{@code reference}: the relative error {@code ||g - g*|| / ||g*||} of each method's float gradient (600 Jacobi
 *     sweeps) against {@link liftnet.solve.DoubleReference}'s, solved to convergence in double, on the same net;</li>
 * <li>{@code sweeps MODEL DATA_DIR N}: the mean and largest relative energy gap {@code (E_s - E*) / E*} after {@code s}
 *     sweeps of Jacobi and of Gauss-Seidel, free and clamped, on the first N test samples ({@code E*}: 400 sweeps);</li>
 * <li>{@code cosine MODEL DATA_DIR N}: the paper's Section 4 for a trained model ({@link GradientAgreement}): per
 *     weight layer, the cosine between the contrastive gradient / {@code gamma^(L-1)} and back-propagation's over the
 *     first N test samples, for {@code gamma} 1/2 .. 1/32 (in double); and per hidden layer {@code k} the mean and
 *     largest {@code gamma c_j} of its units, {@code c_j = ||W_k[:, j]||^2}, at the model's gamma: a unit's clamped
 *     update is damped by {@code 1 / (1 + gamma c_j)}, which back-propagation does not have.</li>
 * <li>{@code solved MODEL DATA_DIR N}: the contrastive gradient as training computes it (the engine, float, one batch of
 *     the first N test samples of the model's data set, its metadata's {@code dataset}, MNIST if absent) against
 *     back-propagation's, per weight layer: the cosine and the norm ratio {@code ||g_c|| / (gamma^(L-1) ||g_bp||)}
 *     (1 where contrastive steps like back-propagation at the same eta_BP), and
 *     the mean sweeps per inference, for the energy stop at 1e-9 and 1e-12, the KKT stop at 1e-5 and 1e-6 (at most
 *     15 sweeps), 6, 8, 15 and 100 Jacobi sweeps and 4 Gauss-Seidel sweeps, at gamma 1/8 and 1/16. Whether a stop
 *     rule leaves the first layers' clamped activations unconverged shows as a W0 row unlike the 100-sweep one.</li>
 * <li>{@code time NET DATA_DIR STEPS}: CPU time of one training step (batch 50, one thread, 15 Jacobi sweeps or the
 *     tolerance stop {@code 1e-9}) of contrastive and backprop, and of one 50-sample evaluation batch (free phase), on
 *     MNIST training samples, from the initial weights (the weights are not updated: rate 0).</li>
 * </ul>
 * <pre>java --add-modules jdk.incubator.vector -cp target/liftnet.jar:target/test-classes liftnet.cpu.ConvChecks ...</pre>
 */
public final class ConvChecks {

    /** The tolerance of the {@code -tol} timings, as in the benchmarks ({@code --tol 1e-9}). */
    private static final double TOL = 1e-9;

    private ConvChecks() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "fd" -> finiteDifferences();
            case "reference" -> reference();
            case "sweeps" -> sweeps(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            case "time" -> time(args[1], Path.of(args[2]), Integer.parseInt(args[3]));
            case "cosine" -> cosine(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            case "solved" -> solved(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("fd | reference | sweeps MODEL DATA N | cosine MODEL DATA N | time NET DATA STEPS");
        }
    }

    private static void finiteDifferences() {
        SolverConfig solver = SolverConfig.fixed(Solver.JACOBI, 600);
        for (Method method : new Method[] {Method.CONTRASTIVE, Method.LIFTED, Method.BACKPROP}) {
            double worst = 0;
            for (Units units : Units.values()) {
                NetConfig config = new NetConfig(NetSpec.parse(CpuEngineConvTest.NET), units, 0.5);
                Parameters p = TestNets.random(config.net(), 11, 1.5, 0.3);
                Dataset data = TestNets.randomData(config.net(), 7, 12);
                worst = Math.max(worst, CpuEngineConvTest.worstFiniteDifferenceError(config, p, data, method, solver));
            }
            System.out.printf(Locale.ROOT, "%s on %s: largest relative finite-difference error %.2e%n", method.id(),
                    CpuEngineConvTest.NET, worst);
        }
    }

    private static void reference() {
        SolverConfig solver = SolverConfig.fixed(Solver.JACOBI, 600);
        for (Method method : new Method[] {Method.CONTRASTIVE, Method.LIFTED, Method.BACKPROP}) {
            StringBuilder line = new StringBuilder(method.id() + " vs double reference:");
            for (Units units : Units.values()) {
                NetConfig config = new NetConfig(NetSpec.parse(CpuEngineConvTest.NET), units, 0.5);
                NetSpec net = config.net();
                Parameters p = TestNets.random(net, 11, 1.5, 0.3);
                Dataset data = TestNets.randomData(net, 7, 12);
                liftnet.solve.DoubleReference ref = new liftnet.solve.DoubleReference(config, p);
                double[][][] gw = ref.zeroWeights();
                double[][] gb = ref.zeroBiases();
                int n = data.count();
                for (int s = 0; s < n; s++) {
                    int o = s * net.inputs();
                    if (method == Method.BACKPROP) {
                        ref.addBackpropGradient(data.inputs(), o, data.labels()[s], gw, gb);
                        continue;
                    }
                    ref.addEnergyGradient(ref.solve(data.inputs(), o, data.labels()[s], 20000, 1e-13), 1.0, gw, gb);
                    if (method == Method.CONTRASTIVE) {
                        ref.addEnergyGradient(ref.solve(data.inputs(), o, -1, 20000, 1e-13), -1.0, gw, gb);
                    }
                }
                Parameters g = CpuEngineConvTest.gradient(config, p, data, method, solver);
                double diff = 0;
                double norm = 0;
                for (int k = 0; k < net.layers(); k++) {
                    double[] ew;
                    double[] eb;
                    if (net.conv(k) != null) {
                        ew = net.conv(k).foldDense(gw[k]);
                        eb = net.conv(k).foldBias(gb[k]);
                    } else {
                        ew = new double[net.weightCount(k)];
                        for (int i = 0; i < gw[k].length; i++) {
                            System.arraycopy(gw[k][i], 0, ew, i * net.width(k), net.width(k));
                        }
                        eb = gb[k];
                    }
                    for (int i = 0; i < ew.length; i++) {
                        diff += Math.pow(ew[i] / n - g.weight(k)[i], 2);
                        norm += Math.pow(ew[i] / n, 2);
                    }
                    for (int i = 0; i < eb.length; i++) {
                        diff += Math.pow(eb[i] / n - g.bias(k)[i], 2);
                        norm += Math.pow(eb[i] / n, 2);
                    }
                }
                line.append(String.format(Locale.ROOT, " %s %.2e", units.id(), Math.sqrt(diff / norm)));
            }
            System.out.println(line);
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

    private static void cosine(Path model, Path dataDir, int n) {
        ModelFile.Model m = read(model);
        Parameters p = m.parameters();
        NetSpec net = p.net();
        Dataset data = DataSets.load(DatasetId.MNIST, dataDir, Split.TEST).head(n);
        double[] gammas = {1.0 / 2, 1.0 / 4, 1.0 / 8, 1.0 / 16, 1.0 / 32};
        double[][] cos = GradientAgreement.cosines(p, m.config().units(), data, gammas);
        for (int g = 0; g < gammas.length; g++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "cosine gamma 1/%-3d", Math.round(1 / gammas[g])));
            for (int k = 0; k < net.layers(); k++) {
                line.append(String.format(Locale.ROOT, "  W%d %.4f", k, cos[g][k]));
            }
            System.out.println(line);
        }
        double gamma = m.config().gamma();
        for (int k = 1; k < net.layers(); k++) {
            LayerOp op = LayerOp.of(net, k);
            op.set(p.weight(k), p.bias(k));
            float[] c = op.columnNorms();
            double mean = 0;
            double max = 0;
            for (int j = 0; j < net.width(k); j++) {
                mean += gamma * c[j] / net.width(k);
                max = Math.max(max, gamma * c[j]);
            }
            System.out.printf(Locale.ROOT, "damping layer z%d (%s): gamma c_j mean %.3f, largest %.3f%n", k,
                    net.conv(k) != null ? "input of a convolution" : "input of a dense layer", mean, max);
        }
    }

    private static void solved(Path model, Path dataDir, int n) {
        ModelFile.Model m = read(model);
        Parameters p = m.parameters();
        NetSpec net = p.net();
        DatasetId dataset = DatasetId.parse(m.metadata().getOrDefault("dataset", DatasetId.MNIST.key()));
        Dataset data = DataSets.load(dataset, dataDir, Split.TEST).head(n);
        Parameters bp = CpuEngineConvTest.gradient(m.config(), p, data, Method.BACKPROP, SolverConfig.paperDefault());
        SolverConfig[] solvers = {SolverConfig.tolerance(Solver.JACOBI, TOL, SolverConfig.PAPER_SWEEPS),
            SolverConfig.tolerance(Solver.JACOBI, 1e-12, SolverConfig.PAPER_SWEEPS),
            new SolverConfig(Solver.JACOBI, SolverConfig.PAPER_SWEEPS, liftnet.api.StopRule.KKT, 1e-5),
            new SolverConfig(Solver.JACOBI, SolverConfig.PAPER_SWEEPS, liftnet.api.StopRule.KKT, 1e-6),
            SolverConfig.fixed(Solver.JACOBI, 6), SolverConfig.fixed(Solver.JACOBI, 8),
            SolverConfig.fixed(Solver.JACOBI, 15), SolverConfig.fixed(Solver.JACOBI, 100),
            SolverConfig.fixed(Solver.GAUSS_SEIDEL, 4)};
        String[] names = {"energy 1e-9", "energy 1e-12", "kkt 1e-5", "kkt 1e-6", "6 sweeps", "8 sweeps", "15 sweeps",
            "100 sweeps", "GS 4 sweeps"};
        for (double gamma : new double[] {1.0 / 8, 1.0 / 16}) {
            NetConfig config = new NetConfig(net, m.config().units(), gamma);
            double scale = Math.pow(gamma, net.layers() - 1);
            for (int s = 0; s < solvers.length; s++) {
                Parameters g;
                double sweeps;
                try (Engine e = prepared(config, p, data, 2)) {
                    e.inferFree(solvers[s]);
                    e.inferClamped(solvers[s]);
                    e.computeGradient(Method.CONTRASTIVE);
                    g = e.gradient();
                    liftnet.api.EpochStats st = e.drainStats();
                    sweeps = (double) st.sweeps() / st.inferences();
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "gamma 1/%-2d %-12s sweeps %5.2f",
                        Math.round(1 / gamma), names[s], sweeps));
                for (int k = 0; k < net.layers(); k++) {
                    double[] dots = ConvEnergyStopTest.moments(g, bp, k);
                    line.append(String.format(Locale.ROOT, "  W%d cos %.3f ratio %.3f", k,
                            dots[0] / Math.sqrt(dots[1] * dots[2]), Math.sqrt(dots[1] / dots[2]) / scale));
                }
                System.out.println(line);
            }
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
