package liftnet.api;

import java.util.Map;

/**
 * What an engine measured about itself since profiling began or was last drained ({@link Engine#drainProfile()}).
 *
 * @param steps          calls of {@link Engine#applyUpdate} (training steps)
 * @param launches       kernel launches (0 for engines without kernels)
 * @param hostSyncs      times the host waited for the device, those of {@link Engine#drainStats()} excluded
 * @param statsSyncs     times the host waited for the device inside {@link Engine#drainStats()}
 * @param deviceSeconds  device time per phase from device timers (forward, free, clamped, gradient+update,
 *                       forward+free+clamped for a launch that runs all three, other); empty without timers
 */
public record EngineProfile(long steps, long launches, long hostSyncs, long statsSyncs, Map<String, Double> deviceSeconds) {

    public EngineProfile {
        deviceSeconds = Map.copyOf(deviceSeconds);
    }
}
