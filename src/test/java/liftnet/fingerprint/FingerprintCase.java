package liftnet.fingerprint;

import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OutputLoss;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;

/**
 * One point of the fingerprint grid: a net, a method, and for the lifted methods the solver, the clamp and the
 * stopping rule; then the CPU threads. Back-propagation and linear regression infer nothing, so they vary by threads
 * only ({@code solver}, {@code softClamp} and {@code tolerance} are then {@code null}/{@code false} and unused).
 *
 * @param net       which of {@link Fingerprints#NETS}
 * @param method    the training objective
 * @param solver    Jacobi or Gauss-Seidel; {@code null} for methods without inference
 * @param softClamp cross-entropy soft clamp with {@code beta} {@link Fingerprints#SOFT_BETA} instead of the hard clamp
 * @param tolerance the energy stopping rule ({@link Fingerprints#TOL}, at most {@link Fingerprints#TOL_MAX_SWEEPS})
 *                  instead of {@link SolverConfig#PAPER_SWEEPS} fixed sweeps
 * @param threads   CPU threads of the engine
 */
public record FingerprintCase(String net, Method method, Solver solver, boolean softClamp, boolean tolerance,
                              int threads) {

    /** E.g. {@code contrastive/gauss-seidel/soft/tol/threads3} or {@code backprop/threads1}; the key in the files. */
    public String id() {
        String t = "threads" + threads;
        if (!method.isLifted()) {
            return method.id() + "/" + t;
        }
        return method.id() + "/" + solver.id() + "/" + (softClamp ? "soft" : "hard") + "/"
                + (tolerance ? "tol" : "sweeps" + SolverConfig.PAPER_SWEEPS) + "/" + t;
    }

    /** The net's energy: ReLU units, the paper's gamma, the case's clamp. */
    public NetConfig netConfig() {
        NetConfig c = new NetConfig(NetSpec.parse(Fingerprints.NETS.get(net)), Units.RELU, NetConfig.PAPER_GAMMA);
        return softClamp ? c.withOutputLoss(new OutputLoss(OutputLoss.Kind.CROSS_ENTROPY, Fingerprints.SOFT_BETA)) : c;
    }

    /** The case's inference; the paper's default for methods that infer nothing (unused by them). */
    public SolverConfig solverConfig() {
        if (solver == null) {
            return SolverConfig.paperDefault();
        }
        return tolerance ? SolverConfig.tolerance(solver, Fingerprints.TOL, Fingerprints.TOL_MAX_SWEEPS)
                : SolverConfig.fixed(solver, SolverConfig.PAPER_SWEEPS);
    }
}
