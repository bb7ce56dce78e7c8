package liftnet.api;

import liftnet.data.Dataset;

/**
 * The argument checks of the {@link Engine} contract, in one place for every backend, so that all engines
 * refuse the same calls with the same messages. Each throws {@link IllegalArgumentException} naming what was
 * expected and what was found.
 */
public final class EngineChecks {

    private EngineChecks() {
    }

    /** {@link Engine#setParameters}: {@code p} is for the engine's net. */
    public static void parameters(NetConfig config, Parameters p) {
        if (!p.net().equals(config.net())) {
            throw new IllegalArgumentException("parameters are for net " + p.net() + "; this engine runs " + config.net());
        }
    }

    /** {@link Engine#upload}: the data set's input width and classes match the net's first and last widths. */
    public static void upload(NetConfig config, Dataset data) {
        NetSpec net = config.net();
        if (data.width() != net.inputs()) {
            throw new IllegalArgumentException("data set " + data.name() + " has " + data.width()
                    + " inputs per sample but net " + net + " expects " + net.inputs());
        }
        if (data.classes() != net.outputs()) {
            throw new IllegalArgumentException("data set " + data.name() + " has " + data.classes()
                    + " classes but net " + net + " has " + net.outputs() + " outputs");
        }
    }

    /**
     * {@link Engine#selectBatch}: {@code [from, from + size)} is a non-empty range of {@code order}, and every index
     * in it is a sample of {@code data}.
     */
    public static void batch(Dataset data, int[] order, int from, int size) {
        if (size <= 0 || from < 0 || from + size > order.length) {
            throw new IllegalArgumentException("batch [" + from + ", " + (from + size)
                    + ") is not a non-empty range of an order of " + order.length + " indices");
        }
        int count = data.count();
        for (int i = from; i < from + size; i++) {
            if (order[i] < 0 || order[i] >= count) {
                throw new IllegalArgumentException("index " + order[i] + " at position " + i + " is outside [0, "
                        + count + ") of " + data.name());
            }
        }
    }

    /** {@link Engine#applyUpdate}: one learning rate per weight layer. */
    public static void rates(NetConfig config, double[] rates) {
        int layers = config.net().layers();
        if (rates.length != layers) {
            throw new IllegalArgumentException(layers + " learning rates needed, one per weight layer; found " + rates.length);
        }
    }
}
