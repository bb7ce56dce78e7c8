package liftnet.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineCapabilities;
import liftnet.api.EngineProfile;
import liftnet.api.EpochStats;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.OptimizerConfig;
import liftnet.api.OptimizerState;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;
import liftnet.data.Dataset;

/**
 * An engine with a profile, for {@code --profile}: the wrapped engine's own counters and device timers
 * ({@link Engine#drainProfile()}: GPU engines) or, for engines without them (the CPU engine, whose calls run
 * synchronously), the wall time of each call by phase: forward ({@code selectBatch}, {@code forward}), free,
 * clamped, gradient+update ({@code computeGradient}, {@code applyUpdate}), other (metrics, statistics).
 */
public final class ProfiledEngine implements Engine {

    private final Engine inner;
    private final boolean own;
    private final Map<String, Long> wall = new LinkedHashMap<>();
    private long steps;

    /** Wraps {@code inner}, which this wrapper now owns (closes). */
    public ProfiledEngine(Engine inner) {
        this.inner = inner;
        this.own = inner.enableProfiling();
    }

    /**
     * The profile since the last call as the lines {@code --profile} prints, then reset: launches and host
     * synchronisations per step, and the time by phase.
     */
    public String drainReport() {
        StringBuilder sb = new StringBuilder();
        EngineProfile p = own ? inner.drainProfile() : null;
        long n = p != null ? p.steps() : steps;
        double per = Math.max(1, n);
        if (p != null) {
            sb.append(String.format(Locale.ROOT, "launches per step %.2f%nhost syncs per step %.2f%n", p.launches() / per,
                    p.hostSyncs() / per));
            sb.append(String.format(Locale.ROOT, "steps %d, launches %d, host syncs %d (and %d reading the epoch's statistics and optimizer state)%n",
                    n, p.launches(), p.hostSyncs(), p.statsSyncs()));
            sb.append("device time:");
            if (p.deviceSeconds().isEmpty()) {
                sb.append(" (no device timers)");
            }
            for (String phase : PHASES) {
                Double s = p.deviceSeconds().get(phase);
                if (s != null) {
                    sb.append(String.format(Locale.ROOT, " %s %.4f s (%.1f us/step)", phase, s, 1e6 * s / per));
                }
            }
            p.productsSorted().forEach((kernel, m) -> sb.append(String.format(Locale.ROOT,
                    "%ngemm %s: %.1f GFLOP/s (%d launches, %.3f GFLOP in %.4f s)", kernel, m.gflops(), m.launches(),
                    m.flops() / 1e9, m.seconds())));
        } else {
            sb.append(String.format(Locale.ROOT, "launches per step 0 (no kernels)%nhost syncs per step 0 (no device)%nsteps %d%n", n));
            sb.append("wall time:");
            for (String phase : PHASES) {
                Long t = wall.get(phase);
                if (t != null) {
                    sb.append(String.format(Locale.ROOT, " %s %.4f s (%.1f us/step)", phase, t / 1e9, t / 1e3 / per));
                }
            }
        }
        wall.clear();
        steps = 0;
        return sb.toString();
    }

    /** Phase names in the order they are reported (GPU engines also name a launch that runs three or four phases). */
    private static final String[] PHASES = {"forward", "free", "clamped", "negative", "forward+free+clamped",
        "forward+free+clamped+negative", "gradient+update", "other"};

    private void time(String phase, Runnable call) {
        long t0 = System.nanoTime();
        call.run();
        wall.merge(phase, System.nanoTime() - t0, Long::sum);
    }

    @Override
    public EngineCapabilities capabilities() {
        return inner.capabilities();
    }

    @Override
    public boolean setOptimizer(OptimizerConfig optimizer) {
        return inner.setOptimizer(optimizer);
    }

    @Override
    public OptimizerState optimizerState() {
        return inner.optimizerState();
    }

    @Override
    public void restoreOptimizerState(OptimizerState state) {
        inner.restoreOptimizerState(state);
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public NetConfig config() {
        return inner.config();
    }

    @Override
    public void setParameters(Parameters p) {
        inner.setParameters(p);
    }

    @Override
    public Parameters parameters() {
        return inner.parameters();
    }

    @Override
    public DeviceData upload(Dataset data) {
        return inner.upload(data);
    }

    @Override
    public void selectBatch(DeviceData data, int[] order, int from, int size) {
        time("forward", () -> inner.selectBatch(data, order, from, size));
    }

    @Override
    public int batchSize() {
        return inner.batchSize();
    }

    @Override
    public void forward() {
        time("forward", inner::forward);
    }

    @Override
    public void inferFree(SolverConfig solver) {
        time("free", () -> inner.inferFree(solver));
    }

    @Override
    public void inferClamped(SolverConfig solver) {
        time("clamped", () -> inner.inferClamped(solver));
    }

    @Override
    public void inferNegative(SolverConfig solver) {
        time("negative", () -> inner.inferNegative(solver));
    }

    @Override
    public void computeGradient(Method method) {
        time("gradient+update", () -> inner.computeGradient(method));
    }

    @Override
    public void applyUpdate(double[] rates) {
        time("gradient+update", () -> inner.applyUpdate(rates));
        steps++;
    }

    @Override
    public void accumulateMetrics(Phase prediction) {
        time("other", () -> inner.accumulateMetrics(prediction));
    }

    @Override
    public EpochStats drainStats() {
        return inner.drainStats();
    }

    @Override
    public float[] activations(Phase phase, int layer) {
        return inner.activations(phase, layer);
    }

    @Override
    public double[] energies(Phase phase) {
        return inner.energies(phase);
    }

    @Override
    public double kktResidual(Phase phase) {
        return inner.kktResidual(phase);
    }

    @Override
    public Parameters gradient() {
        return inner.gradient();
    }

    @Override
    public boolean enableProfiling() {
        return true;
    }

    @Override
    public EngineProfile drainProfile() {
        return own ? inner.drainProfile() : null;
    }

    @Override
    public void close() {
        inner.close();
    }
}
