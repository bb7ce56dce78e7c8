package liftnet.research;

import java.nio.file.Path;
import java.util.Locale;
import liftnet.api.DeviceData;
import liftnet.api.Method;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.cpu.CpuEngine;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import liftnet.io.ModelFile;
import liftnet.train.ExactPhases;

/**
 * How far the float32 contrastive gradient of a trained model is from the exact one: for each model file, the
 * batch-mean gradient {@code dE(z_clamped) - dE(z_free)} on the first {@code N} training samples from the CPU
 * engine (one thread, red-black Jacobi, 15 sweeps as in training, and 300 sweeps to isolate rounding) against
 * {@link ExactPhases} (solved exactly in double precision). Prints one line per model: per weight layer the relative error
 * {@code ||g_f32 - g_f64|| / ||g_f64||}, and the mean free energy and clamped-minus-free gap. The figures of
 * "Precision" in {@code results/REPORT.md} (Table 2's differences from the paper).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *     liftnet.research.GradientPrecision DATA_DIR N MODEL...</pre>
 */
public final class GradientPrecision {

    private GradientPrecision() {
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        Dataset data = DataSets.load(DatasetId.FASHION_MNIST, dataDir, Split.TRAIN).head(n);
        for (int a = 2; a < args.length; a++) {
            ModelFile.Model model = ModelFile.read(Path.of(args[a]));
            Parameters p = model.parameters();
            ExactPhases ref = new ExactPhases(model.config(), p);
            double[][] gw = ExactPhases.zeroWeights(p.net());
            double[][] gb = ExactPhases.zeroBiases(p.net());
            double free = 0;
            double gap = 0;
            for (int s = 0; s < n; s++) {
                int y = data.labels()[s];
                double[][] zf = ref.solve(data.inputs(), s * data.width(), y, 0);
                double[][] zc = ref.solve(data.inputs(), s * data.width(), y, ExactPhases.HARD_CLAMP);
                ref.addEnergyGradient(zc, 1.0 / n, gw, gb);
                ref.addEnergyGradient(zf, -1.0 / n, gw, gb);
                free += ref.energy(zf) / n;
                gap += (ref.energy(zc) - ref.energy(zf)) / n;
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s epoch %s: E_free %.4f, gap %.4g;",
                    args[a], model.metadata().get("epoch"), free, gap));
            for (int sweeps : new int[] {15, 300}) {
                Parameters g = floatGradient(model, data, sweeps);
                line.append(" rel.err ").append(sweeps).append(" sweeps [");
                for (int k = 0; k < p.net().layers(); k++) {
                    double diff = 0;
                    double norm = 0;
                    for (int part = 0; part < 2; part++) {
                        double[] exact = part == 0 ? gw[k] : gb[k];
                        float[] estimate = part == 0 ? g.weight(k) : g.bias(k);
                        for (int i = 0; i < exact.length; i++) {
                            diff += (exact[i] - estimate[i]) * (exact[i] - estimate[i]);
                            norm += exact[i] * exact[i];
                        }
                    }
                    line.append(String.format(Locale.ROOT, k == 0 ? "%.2e" : " %.2e", Math.sqrt(diff / norm)));
                }
                line.append("]");
            }
            System.out.println(line);
        }
    }

    private static Parameters floatGradient(ModelFile.Model model, Dataset data, int sweeps) {
        try (CpuEngine e = new CpuEngine(model.config(), 1)) {
            e.setParameters(model.parameters());
            DeviceData d = e.upload(data);
            int[] order = new int[data.count()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            e.selectBatch(d, order, 0, data.count());
            e.forward();
            SolverConfig solver = SolverConfig.fixed(Solver.JACOBI, sweeps);
            e.inferFree(solver);
            e.inferClamped(solver);
            e.computeGradient(Method.CONTRASTIVE);
            e.energies(Phase.FREE);
            return e.gradient();
        }
    }
}
