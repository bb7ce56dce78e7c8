package liftnet.gpu;

import java.util.function.Supplier;
import liftnet.api.EngineProfile;

/**
 * What {@code --profile} reports of a {@link GpuEngine} between two drains: steps, launches, host synchronisations
 * (those of the statistics read-back counted apart) and the device time per phase from {@link Launcher}.
 */
final class ProfileCounts {

    private final Launcher l;
    private boolean enabled;
    private long steps;
    private long statsSyncs;
    private long launchesAtDrain;
    private long syncsAtDrain;

    ProfileCounts(Launcher l) {
        this.l = l;
    }

    /** Turns device timing on and starts counting from now. */
    void enable() {
        l.enableTiming();
        enabled = true;
        drain();
    }

    boolean enabled() {
        return enabled;
    }

    void step() {
        steps++;
    }

    /** Runs {@code readStats}, counting the host synchronisations it makes as the statistics'. */
    <T> T countStatsSyncs(Supplier<T> readStats) {
        long before = l.syncs();
        T out = readStats.get();
        statsSyncs += l.syncs() - before;
        return out;
    }

    /** The counts since the last drain; waits for the device (not a step's synchronisation). */
    EngineProfile drain() {
        long syncs = l.syncs();
        var times = l.drainTimes();
        EngineProfile p = new EngineProfile(steps, l.launches() - launchesAtDrain, syncs - syncsAtDrain - statsSyncs, statsSyncs,
                times, l.drainProducts());
        steps = 0;
        statsSyncs = 0;
        launchesAtDrain = l.launches();
        syncsAtDrain = l.syncs();
        return p;
    }
}
