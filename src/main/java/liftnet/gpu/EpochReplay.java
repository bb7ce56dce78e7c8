package liftnet.gpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import liftnet.api.Method;
import liftnet.api.SolverConfig;

/**
 * Deferred steps and epoch replay: with replay on, the steps of an epoch are recorded instead of launched
 * ({@link #defer}) and launched together when a result is needed ({@link #launchDeferred}); the second epoch
 * holding the same steps is recorded once by the device ({@link GpuDevice#record}, CUDA: stream capture into a
 * graph) and that recording is replayed in every later epoch.
 */
final class EpochReplay implements AutoCloseable {

    private final GpuDevice dev;
    private final PhaseScheduler scheduler;
    private final GradientUpdate grads;
    /** Steps recorded, not yet launched. */
    private final List<StepRecord> deferred = new ArrayList<>();
    /** The steps {@link #replay} launches. */
    private List<StepRecord> replayed = List.of();
    /** The steps the last launch of recorded steps held: a list seen twice in a row is worth recording. */
    private List<StepRecord> previous = List.of();
    private GpuDevice.Replay replay;
    private boolean unsupported;
    // A graph cannot hold the per-launch synchronisation of the kernel-fault switch, so that switch turns replay off.
    private boolean enabled = !"off".equalsIgnoreCase(System.getProperty(GpuEngine.GRAPH_PROPERTY, "on").trim())
            && !SyncLaunches.enabled();

    EpochReplay(GpuDevice dev, PhaseScheduler scheduler, GradientUpdate grads) {
        this.dev = dev;
        this.scheduler = scheduler;
        this.grads = grads;
    }

    /** Turns replay on or off (default from {@link GpuEngine#GRAPH_PROPERTY}); frees the recording. */
    void enable(boolean on) {
        enabled = on;
        closeReplay();
    }

    /**
     * Records the step waiting in {@code s} (its phases, gradient and rates) instead of launching it, and clears
     * its pending gradient and rates; returns false and records nothing unless replay is on, the step runs on the
     * step kernel ({@code stepPath}: and is not profiled) with an energy gradient, and the device has not shown that
     * it cannot record (OpenCL: after the first epoch). A step with other rates than the recorded ones launches
     * those first (one replay holds one set of rates: they live in device memory).
     */
    boolean defer(BatchState s, boolean stepPath) {
        Method m = s.pendingGradient;
        if (!enabled || !stepPath || unsupported || s.data == null || (m != Method.CONTRASTIVE && m != Method.LIFTED)) {
            return false;
        }
        StepRecord r = StepRecord.of(s, s.pendingRates);
        if (!deferred.isEmpty() && !deferred.get(0).rates().equals(r.rates())) {
            issueDeferred();
        }
        grads.uploadRates(s.pendingRates);
        deferred.add(r);
        s.pendingGradient = null;
        s.pendingRates = null;
        return true;
    }

    /** Launches the recorded steps one by one. */
    void issueDeferred() {
        if (!deferred.isEmpty()) {
            List<StepRecord> list = List.copyOf(deferred);
            deferred.clear();
            issue(list);
        }
    }

    /**
     * Launches the recorded steps of the epoch: by replaying the recording of the same steps when there is one; by
     * recording them and launching that when the previous epoch held the same steps; else, and where the device
     * cannot record, one by one.
     */
    void launchDeferred() {
        if (deferred.isEmpty()) {
            return;
        }
        List<StepRecord> list = List.copyOf(deferred);
        deferred.clear();
        if (replay != null && list.equals(replayed)) {
            replay.launch();
            return;
        }
        boolean seenBefore = list.equals(previous);
        previous = list;
        if (!seenBefore) {
            issue(list);
            return;
        }
        closeReplay();
        replay = dev.record(() -> issue(list));
        if (replay == null) {
            unsupported = true;
            issue(list);
            return;
        }
        replayed = list;
        replay.launch();
    }

    /** Launches recorded steps in order, as if each had run when it was recorded; the scheduler's state stays. */
    private void issue(List<StepRecord> list) {
        BatchState saved = scheduler.state();
        try {
            for (StepRecord r : list) {
                scheduler.state(r.toState());
                scheduler.flushGradient();
            }
        } finally {
            scheduler.state(saved);
        }
    }

    /** Frees the recording (it reads buffers about to be replaced, or its steps changed). */
    void closeReplay() {
        if (replay != null) {
            replay.close();
            replay = null;
            replayed = List.of();
        }
    }

    @Override
    public void close() {
        closeReplay();
    }

    /** What one recorded step launches: the batch, its waiting phases and solvers, the gradient, the rates. */
    private record StepRecord(DeviceBatches.Data data, int from, int batch, boolean forward, boolean free, boolean clamped,
                              SolverConfig freeSolver, SolverConfig clampedSolver, int clampedStart, Method method,
                              List<Double> rates) {

        static StepRecord of(BatchState s, double[] rates) {
            return new StepRecord(s.data, s.from, s.batch, s.waiting(BatchState.FORWARD), s.waiting(BatchState.FREE),
                    s.waiting(BatchState.CLAMPED), s.solverOf[BatchState.FREE], s.solverOf[BatchState.CLAMPED],
                    s.clampedStart, s.pendingGradient, Arrays.stream(rates).boxed().toList());
        }

        /** The state of the step as it was recorded: phases asked for and waiting, gradient and rates pending. */
        BatchState toState() {
            BatchState s = new BatchState();
            s.data = data;
            s.from = from;
            s.batch = batch;
            s.valid[BatchState.FORWARD] = true;
            s.computed[BatchState.FORWARD] = !forward;
            s.valid[BatchState.FREE] = free;
            s.valid[BatchState.CLAMPED] = clamped;
            s.solverOf[BatchState.FREE] = freeSolver;
            s.solverOf[BatchState.CLAMPED] = clampedSolver;
            s.clampedStart = clampedStart;
            s.pendingGradient = method;
            s.pendingRates = rates.stream().mapToDouble(Double::doubleValue).toArray();
            return s;
        }
    }
}
