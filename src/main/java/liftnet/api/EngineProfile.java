package liftnet.api;

import java.util.Map;
import java.util.TreeMap;

/**
 * What an engine measured about itself since profiling began or was last drained ({@link Engine#drainProfile()}).
 *
 * @param steps          calls of {@link Engine#applyUpdate} (training steps)
 * @param launches       kernel launches (0 for engines without kernels)
 * @param hostSyncs      times the host waited for the device, those of {@link Engine#drainStats()} excluded
 * @param statsSyncs     times the host waited for the device inside {@link Engine#drainStats()} and
 *                       {@link Engine#optimizerState()} (once per epoch, not per step)
 * @param deviceSeconds  device time per phase from device timers (forward, free, clamped, gradient+update,
 *                       forward+free+clamped for a launch that runs all three, other); empty without timers
 * @param products       device time and floating-point operations per matrix-product kernel (by kernel name);
 *                       empty without timers
 */
public record EngineProfile(long steps, long launches, long hostSyncs, long statsSyncs, Map<String, Double> deviceSeconds,
                            Map<String, Product> products) {

    public EngineProfile {
        deviceSeconds = Map.copyOf(deviceSeconds);
        products = Map.copyOf(products);
    }

    /** The products in kernel-name order. */
    public Map<String, Product> productsSorted() {
        return new TreeMap<>(products);
    }

    /**
     * The launches of one matrix-product kernel.
     *
     * @param launches launches timed
     * @param seconds  their device time
     * @param flops    their floating-point operations, {@code 2 M N K} per product of an {@code M x K} and a
     *                 {@code K x N} matrix
     */
    public record Product(long launches, double seconds, double flops) {

        /** Flops per second over the device time, in units of 10^9 (0 without time). */
        public double gflops() {
            return seconds > 0 ? flops / seconds / 1e9 : 0;
        }

        /** Sums {@code a} and {@code b} (for {@link java.util.Map#merge}). */
        public static Product sum(Product a, Product b) {
            return new Product(a.launches + b.launches, a.seconds + b.seconds, a.flops + b.flops);
        }
    }
}
