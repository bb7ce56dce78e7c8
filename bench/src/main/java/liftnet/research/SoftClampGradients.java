package liftnet.research;

import java.util.Locale;
import liftnet.GradientCheck;
import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import liftnet.data.Dataset;

/**
 * Prints, for soft clamps on the CPU engine, each layer's contrastive gradient along a random unit direction beside
 * the central difference of the loss {@code mean(min [E + beta l]) - mean(min E)}: the figures behind the contract
 * test {@code softClampGradientsMatchFiniteDifferences} (net 8-6-5-4, gamma 1/2, 8 samples, 400 Jacobi sweeps,
 * step 1e-2), which {@code scripts/beyond.sh} writes to {@code results/beyond/finite-differences.md}. Run:
 * {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar liftnet.research.SoftClampGradients}.
 */
public final class SoftClampGradients {

    private static final SolverConfig CONVERGED = SolverConfig.fixed(Solver.JACOBI, 400);
    private static final double STEP = 1e-2;

    private SoftClampGradients() {
    }

    public static void main(String[] args) {
        System.out.println("| output loss | beta | units | parameter | gradient . d | central difference | relative error |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String loss : new String[] {"squared", "cross-entropy"}) {
            for (double beta : new double[] {0.3, 5}) {
                for (Units units : Units.values()) {
                    NetConfig config = new NetConfig(NetSpec.parse("8-6-5-4"), units, 0.5,
                            new OutputLoss(OutputLoss.Kind.parse(loss), beta));
                    Parameters p = TestNets.random(config.net(), 17, 1.5, 0.3);
                    Dataset data = TestNets.randomData(config.net(), 8, 18);
                    Parameters g = gradient(config, p, data);
                    for (int k = 0; k < config.net().layers(); k++) {
                        for (boolean bias : new boolean[] {false, true}) {
                            Parameters d = GradientCheck.direction(config.net(), k, bias, 31L * k + (bias ? 7 : 0));
                            double analytic = GradientCheck.dot(g, d);
                            double numeric = GradientCheck.centralDifference(q -> loss(config, q, data), p, d, STEP);
                            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s%d | %.6g | %.6g | %.1e |%n", loss, beta,
                                    units.id(), bias ? "b" : "W", k, analytic, numeric,
                                    Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), 1e-12));
                        }
                    }
                }
            }
        }
    }

    private static Engine prepared(NetConfig config, Parameters p, Dataset data) {
        Engine e = new CpuEngine(config, 1);
        e.setParameters(p);
        DeviceData d = e.upload(data);
        e.selectBatch(d, TestNets.identity(data.count()), 0, data.count());
        e.forward();
        e.inferFree(CONVERGED);
        e.inferClamped(CONVERGED);
        return e;
    }

    private static Parameters gradient(NetConfig config, Parameters p, Dataset data) {
        try (Engine e = prepared(config, p, data)) {
            e.computeGradient(Method.CONTRASTIVE);
            return e.gradient();
        }
    }

    private static double loss(NetConfig config, Parameters p, Dataset data) {
        try (Engine e = prepared(config, p, data)) {
            return TestNets.mean(e.energies(Phase.CLAMPED)) - TestNets.mean(e.energies(Phase.FREE));
        }
    }
}
