package liftnet.bench;

import java.util.ArrayList;
import java.util.List;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Engines;
import liftnet.api.Method;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;
import liftnet.api.StopRule;
import liftnet.cpu.CpuEngine;

/**
 * Checks an engine against the CPU engine before its time counts (TornadoVM's {@code validate()} pattern):
 * the same weights and the same batch, one step on both with the solver's fixed number of sweeps, then the
 * free and clamped energies per sample (relative {@link #TOL_ENERGY}) and the gradient per layer (relative
 * Frobenius error {@link #TOL_GRADIENT}) must agree; with a tolerance stop, also the energies and the mean
 * sweeps ({@link #TOL_SWEEPS}) of that stop. A disagreement throws, which fails the JMH benchmark: it gets no score.
 */
final class Validation {

    /** Relative tolerance of a sample's energy, against {@code max(|E_cpu|, mean |E_cpu|)}. */
    static final double TOL_ENERGY = 1e-4;
    /**
     * Relative tolerance of a layer's gradient, {@code ||G - G_cpu|| / max(||G_cpu||, 1e-3 max_k ||G_cpu,k||)}:
     * that of the project's GPU parity test (the contrastive gradient is a difference of two near-equal terms).
     */
    static final double TOL_GRADIENT = 2e-3;
    /**
     * Mean sweeps per inference with a tolerance stop may differ by this much: float rounding of the line
     * searches' sums moves the stop by a sweep for samples right at the tolerance, and at batch 50 a few such
     * samples move the mean by tenths of a sweep.
     */
    static final double TOL_SWEEPS = 1.0;

    private Validation() {
    }

    /** Whether engine {@code engineId} is validated: every engine but the CPU, which is the reference, unless {@code -Dliftnet.bench.validateCpu=true}. */
    static boolean wanted(String engineId) {
        return !engineId.equals("cpu") || Boolean.getBoolean("liftnet.bench.validateCpu");
    }

    /**
     * Runs one step of {@code method} on the workload's engine and on a reference CPU engine ({@code --device cpu},
     * {@link CpuEngine}, which runs dense and conv nets; one
     * thread when the engine under test is the CPU engine itself, so that a different split is compared),
     * from the workload's initial weights and its first batch; restores the initial weights afterwards.
     *
     * @return a one-line summary of the largest errors
     * @throws IllegalStateException when they disagree
     */
    static String check(Workload w, Method method, SolverConfig solver) {
        int threads = w.engine.capabilities().engine().equals("cpu") ? 1 : Runtime.getRuntime().availableProcessors();
        SolverConfig fixed = SolverConfig.fixed(solver.solver(), solver.maxSweeps());
        try (Engine ref = Engines.open("cpu", w.config, threads)) {
            DeviceData refData = ref.upload(w.dataset);
            Engine[] engines = {w.engine, ref};
            DeviceData[] datas = {w.data, refData};
            for (int i = 0; i < 2; i++) {
                Engine e = engines[i];
                e.setParameters(w.initial);
                e.selectBatch(datas[i], w.order, 0, w.batch);
                e.forward();
                if (method.isLifted()) {
                    e.inferFree(fixed);
                    e.inferClamped(fixed);
                }
                e.computeGradient(method);
            }
            List<String> problems = new ArrayList<>();
            StringBuilder summary = new StringBuilder();
            if (method.isLifted()) {
                energies(w.engine, ref, "", problems, summary);
            } else {
                int top = w.config.net().layers();
                float[] a = w.engine.activations(Phase.FORWARD, top);
                float[] b = ref.activations(Phase.FORWARD, top);
                double worst = relative(a, b);
                if (!(worst <= TOL_GRADIENT)) {
                    problems.add(String.format("forward output: relative error %.3e > %.0e", worst, TOL_GRADIENT));
                }
                summary.append(String.format("forward output %.1e, ", worst));
            }
            double g = gradientError(w.engine.gradient(), ref.gradient(), problems);
            summary.append(String.format("gradient %.1e", g));
            if (method.isLifted() && solver.stop() != StopRule.FIXED) {
                // a tolerance stop may move by a sweep for samples right at the tolerance: compare what the
                // rule promises (energies, sweeps), as the project's GPU parity test does
                double[] sweeps = new double[2];
                for (int i = 0; i < 2; i++) {
                    Engine e = engines[i];
                    e.forward();
                    e.drainStats();
                    e.inferFree(solver);
                    e.inferClamped(solver);
                    sweeps[i] = e.drainStats().meanSweeps();
                }
                summary.append("; ");
                energies(w.engine, ref, solver.stop().name().toLowerCase() + " stop ", problems, summary);
                if (!(Math.abs(sweeps[0] - sweeps[1]) <= TOL_SWEEPS)) {
                    problems.add(String.format("mean sweeps with the %s stop: %.2f, CPU %.2f (more than %.1f apart)",
                            solver.stop().name().toLowerCase(), sweeps[0], sweeps[1], TOL_SWEEPS));
                }
                summary.append(String.format("mean sweeps %.2f (CPU %.2f)", sweeps[0], sweeps[1]));
            }
            summary.append(String.format(" (tolerances %.0e, %.0e)", TOL_ENERGY, TOL_GRADIENT));
            w.engine.setParameters(w.initial);
            w.engine.drainStats();
            if (!problems.isEmpty()) {
                throw new IllegalStateException("engine " + w.engine.name() + " disagrees with the CPU engine on net "
                        + w.config.net() + ", batch " + w.batch + ", " + method.id() + ", " + solver + ": "
                        + String.join("; ", problems));
            }
            return summary.toString();
        }
    }

    private static void energies(Engine e, Engine ref, String label, List<String> problems, StringBuilder summary) {
        for (Phase phase : new Phase[] {Phase.FREE, Phase.CLAMPED}) {
            double worst = energyError(e.energies(phase), ref.energies(phase), phase, problems);
            summary.append(String.format("%s%s energy %.1e, ", label, phase.name().toLowerCase(), worst));
        }
    }

    private static double energyError(double[] e, double[] ref, Phase phase, List<String> problems) {
        if (e.length != ref.length) {
            problems.add(phase + " energies: " + e.length + " values, expected " + ref.length);
            return Double.NaN;
        }
        double mean = 0;
        for (double v : ref) {
            mean += Math.abs(v);
        }
        mean /= Math.max(1, ref.length);
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs(e[i] - ref[i]) / Math.max(Math.abs(ref[i]), mean);
            if (!(err <= TOL_ENERGY)) {
                problems.add(String.format("%s energy of sample %d: %.8g, CPU %.8g (relative %.2e > %.0e)",
                        phase.name().toLowerCase(), i, e[i], ref[i], err, TOL_ENERGY));
                if (problems.size() > 5) {
                    break;
                }
            }
            worst = Math.max(worst, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
        }
        return worst;
    }

    private static double gradientError(Parameters g, Parameters ref, List<String> problems) {
        int layers = ref.net().layers();
        double largest = 0;
        for (int k = 0; k < layers; k++) {
            largest = Math.max(largest, norm(ref.weight(k)));
        }
        double worst = 0;
        for (int k = 0; k < layers; k++) {
            double[] errs = {
                diff(g.weight(k), ref.weight(k)) / Math.max(norm(ref.weight(k)), 1e-3 * largest),
                diff(g.bias(k), ref.bias(k)) / Math.max(norm(ref.bias(k)), 1e-3 * largest)};
            for (int j = 0; j < 2; j++) {
                double err = errs[j];
                if (!(err <= TOL_GRADIENT)) {
                    problems.add(String.format("gradient of %s%d: relative error %.3e > %.0e", j == 0 ? "W" : "b", k,
                            err, TOL_GRADIENT));
                }
                worst = Math.max(worst, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
            }
        }
        return worst;
    }

    private static double relative(float[] a, float[] b) {
        return a.length != b.length ? Double.POSITIVE_INFINITY : diff(a, b) / Math.max(norm(b), 1e-30);
    }

    private static double norm(float[] a) {
        double s = 0;
        for (float v : a) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    private static double diff(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }
}
