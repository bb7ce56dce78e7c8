package liftnet.gpu;

import java.util.ArrayList;
import java.util.List;
import liftnet.api.Method;
import liftnet.api.SolverConfig;

/**
 * Deferred steps and epoch replay: with replay on, the steps of an epoch are recorded instead of launched
 * ({@link #defer}) and launched together when a result is needed ({@link #launchDeferred}); the second epoch
 * holding the same steps is recorded once by the device ({@link GpuDevice#record}, CUDA: stream capture into a
 * graph) and that recording is replayed in every later epoch. Step {@code i} of the deferred list reads its update
 * constants (rates, Adam's bias corrections) from row {@code i} of a {@link StepRates} table, written when the step
 * is deferred: a recording holds the row, not the values, so schedules that change the rate every step replay too.
 *
 * <p>When recording fails (CUDA: capture or instantiation throws), the steps are issued one by one and replay is
 * off from then on: no step is lost.
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
    /** Row {@code i}: the update constants of deferred step {@code i}. */
    private final StepRates table;
    private boolean enabled;

    EpochReplay(GpuDevice dev, PhaseScheduler scheduler, GradientUpdate grads, boolean enabled) {
        this.enabled = enabled;
        this.dev = dev;
        this.scheduler = scheduler;
        this.grads = grads;
        this.table = new StepRates(scheduler.launcher(), 64);
    }

    /** Turns replay on or off (default from {@link GpuOptions#graphs()}); frees the recording. */
    void enable(boolean on) {
        enabled = on;
        closeReplay();
    }

    /**
     * Records the step waiting in {@code s} (its phases, gradient and rates) instead of launching it, and clears
     * its pending gradient and rates; returns false and records nothing unless replay is on, the step runs on the
     * step kernel ({@code stepPath}: and is not profiled) with an energy gradient, and the device has not shown that
     * it cannot record (OpenCL: after the first epoch). The step's constants go to row {@code i} of the table
     * ({@code i} its place in the list) now, copied without waiting.
     */
    boolean defer(BatchState s, boolean stepPath) {
        Method m = s.pendingGradient;
        if (!enabled || !stepPath || unsupported || s.data == null || s.pendingRow == null
                || (m != Method.CONTRASTIVE && m != Method.LIFTED)) {
            return false;
        }
        GpuBuffer before = table.buffer();
        int offset = table.put(deferred.size(), s.pendingRow);
        if (table.buffer() != before) {
            closeReplay(); // the table grew (its rows were copied): the recording reads the old buffer
        }
        deferred.add(StepRecord.of(s, offset));
        s.pendingGradient = null;
        s.pendingSymmetric = false;
        s.pendingRow = null;
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
        try {
            replay = dev.record(() -> issue(list));
        } catch (RuntimeException e) {
            System.getLogger(EpochReplay.class.getName()).log(System.Logger.Level.WARNING,
                    "recording the epoch's steps failed; launching them one by one from now on", e);
            replay = null;
        }
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
                scheduler.state(r.toState(table.buffer()));
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
        table.close();
    }

    /**
     * What one recorded step launches: the batch, its waiting phases and solvers, the gradient, and the element
     * offset of its row of update constants in the table (the values are not part of the record: they may differ
     * from epoch to epoch under the same recording).
     */
    private record StepRecord(DeviceBatches.Data data, int from, int batch, boolean forward, boolean free, boolean clamped,
                              boolean negative, SolverConfig freeSolver, SolverConfig clampedSolver,
                              SolverConfig negativeSolver, int clampedStart, int negativeStart, Method method,
                              boolean symmetric, int rateOffset) {

        static StepRecord of(BatchState s, int rateOffset) {
            return new StepRecord(s.data, s.from, s.batch, s.waiting(BatchState.FORWARD), s.waiting(BatchState.FREE),
                    s.waiting(BatchState.CLAMPED), s.waiting(BatchState.NEGATIVE), s.solverOf[BatchState.FREE],
                    s.solverOf[BatchState.CLAMPED], s.solverOf[BatchState.NEGATIVE], s.clampedStart, s.negativeStart,
                    s.pendingGradient, s.pendingSymmetric, rateOffset);
        }

        /** The state of the step as it was recorded: phases asked for and waiting, gradient and update pending. */
        BatchState toState(GpuBuffer rateTable) {
            BatchState s = new BatchState();
            s.data = data;
            s.from = from;
            s.batch = batch;
            s.valid[BatchState.FORWARD] = true;
            s.computed[BatchState.FORWARD] = !forward;
            s.valid[BatchState.FREE] = free;
            s.valid[BatchState.CLAMPED] = clamped;
            s.valid[BatchState.NEGATIVE] = negative;
            s.solverOf[BatchState.FREE] = freeSolver;
            s.solverOf[BatchState.CLAMPED] = clampedSolver;
            s.solverOf[BatchState.NEGATIVE] = negativeSolver;
            s.clampedStart = clampedStart;
            s.negativeStart = negativeStart;
            s.pendingGradient = method;
            s.pendingSymmetric = symmetric;
            s.rateTable = rateTable;
            s.rateOffset = rateOffset;
            return s;
        }
    }
}
