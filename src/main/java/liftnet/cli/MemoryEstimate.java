package liftnet.cli;

import java.util.Locale;
import liftnet.api.NetSpec;

/**
 * Whether a net fits the Java heap, checked before anything is allocated, so that a net far too large for the machine
 * gets one line with the estimate instead of an {@link OutOfMemoryError}. A lower bound of what training holds:
 * <pre>
 * bytes = 4 (PARAMETER_COPIES P + ACTIVATION_COPIES B U)   (U, B: only on the CPU engine)
 * </pre>
 * with {@code P} the weights and biases, {@code U} the units of every layer of one sample, input included, and
 * {@code B} the batch (at least {@value #MIN_CAPACITY}, what the CPU engine allocates at the start): the parameters,
 * their gradient and the host copy of a checkpoint; the free and clamped activations, the back-propagated errors and
 * the residuals of each sample. Counted in {@code long}, so that sizes beyond one Java array are caught too.
 *
 * @param parameters {@code P}
 * @param units      {@code U}
 * @param bytes      the estimate
 * @param largestLayer the most weights of one layer (one Java array holds at most {@link #MAX_ARRAY} floats)
 */
record MemoryEstimate(long parameters, long units, long bytes, long largestLayer) {

    static final int PARAMETER_COPIES = 3;
    static final int ACTIVATION_COPIES = 4;
    static final int MIN_CAPACITY = 64;
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /**
     * The estimate for {@code net} at {@code batch} samples; {@code host} when the activations live on the Java heap
     * (the CPU engine), else only the parameters count.
     */
    static MemoryEstimate of(NetSpec net, int batch, boolean host) {
        long parameters = 0;
        long largest = 0;
        for (int k = 0; k < net.layers(); k++) {
            long weights = net.conv(k) != null ? (long) net.conv(k).weightCount() : (long) net.width(k) * net.width(k + 1);
            parameters += weights + net.width(k + 1);
            largest = Math.max(largest, Math.max(weights, net.width(k + 1)));
        }
        long units = 0;
        for (int width : net.widths()) {
            units += width;
        }
        long bytes = 4 * (PARAMETER_COPIES * parameters + (host ? (long) ACTIVATION_COPIES * Math.max(batch, MIN_CAPACITY) * units : 0));
        return new MemoryEstimate(parameters, units, bytes, largest);
    }

    /**
     * Refuses a net that cannot fit: {@link #bytes} above {@code heap}, or a layer beyond one Java array.
     *
     * @throws Errors.Failure (exit {@value Errors#FAILURE}) with the estimate and what to do
     */
    void require(String netText, long heap) {
        if (largestLayer > MAX_ARRAY) {
            throw new Errors.Failure(Errors.FAILURE, String.format(Locale.ROOT, "--net %s: one layer has %,d weights, more"
                    + " than a Java array holds (%,d); use fewer filters or narrower layers", netText, largestLayer, MAX_ARRAY));
        }
        if (bytes > heap) {
            throw new Errors.Failure(Errors.FAILURE, String.format(Locale.ROOT, "--net %s needs about %s of memory (%,d"
                    + " parameters, %,d units per sample), more than the %s Java heap; use a smaller net, or a larger heap"
                    + " (LIFTNET_JVM_OPTS=-Xmx%dg ./run.sh ...) on a machine that has it", netText, size(bytes), parameters,
                    units, size(heap), (long) Math.ceil(bytes * 1.25 / (1L << 30))));
        }
    }

    /** {@code 3.2 GiB}, {@code 512 MiB}. */
    static String size(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%d MiB", bytes >> 20);
    }
}
