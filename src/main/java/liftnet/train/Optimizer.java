package liftnet.train;

import liftnet.api.NetSpec;
import liftnet.api.OptimizerConfig;
import liftnet.api.Parameters;

/**
 * A stateful update rule ({@link OptimizerConfig}): per mini-batch, {@link #step} moves the parameters from the
 * gradient and its own slots (moment estimates shaped like the parameters). Runs on the host: the trainer takes
 * the engine's gradient, steps, and hands the parameters back. Plain SGD needs none of this and stays on the
 * engine ({@link liftnet.api.Engine#applyUpdate(double[])}).
 *
 * <p>The slots and the step count are the whole state: {@link OptimizerCheckpoint} saves them with each epoch's
 * checkpoint so that a resumed run continues exactly.
 */
public abstract sealed class Optimizer permits Momentum, Adam {

    private final Parameters[] slots;
    private long steps;

    Optimizer(NetSpec net, int slotCount) {
        slots = new Parameters[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = Parameters.zeros(net);
        }
    }

    /** A fresh optimizer (zero slots, step 0) for {@code net}, or {@code null} for plain SGD. */
    public static Optimizer create(OptimizerConfig config, NetSpec net) {
        return switch (config.kind()) {
            case SGD -> null;
            case MOMENTUM -> new Momentum(net, config.momentum());
            case ADAM -> new Adam(net, config.momentum(), config.beta2(), config.epsilon());
        };
    }

    /**
     * One update: {@code theta} is modified in place, {@code g} (the batch-mean gradient) is not.
     *
     * @param rates the learning rate of each weight layer, schedule included; not modified
     */
    public final void step(Parameters theta, Parameters g, double[] rates) {
        steps++;
        for (int k = 0; k < rates.length; k++) {
            update(theta.weight(k), g.weight(k), k, true, rates[k]);
            update(theta.bias(k), g.bias(k), k, false, rates[k]);
        }
    }

    /** Updates one tensor ({@code theta} modified, {@code g} not) with the slots' arrays of the same tensor. */
    abstract void update(float[] theta, float[] g, int layer, boolean weight, double rate);

    /** Slot {@code i}'s array of layer {@code k}'s weights or biases; the live array. */
    final float[] slot(int i, int k, boolean weight) {
        return weight ? slots[i].weight(k) : slots[i].bias(k);
    }

    /** Updates done so far. */
    public final long steps() {
        return steps;
    }

    public final int slotCount() {
        return slots.length;
    }

    /** A copy of slot {@code i}. */
    public final Parameters slot(int i) {
        return slots[i].copy();
    }

    /** Replaces the state by a saved one: {@code slots} are copied. */
    public final void restore(long steps, Parameters... saved) {
        if (saved.length != slots.length || steps < 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " keeps " + slots.length
                    + " slots; found " + saved.length + " (steps " + steps + ")");
        }
        for (int i = 0; i < slots.length; i++) {
            if (!saved[i].net().equals(slots[i].net())) {
                throw new IllegalArgumentException("optimizer slot " + i + " is shaped for net " + saved[i].net()
                        + ", not " + slots[i].net());
            }
            slots[i] = saved[i].copy();
        }
        this.steps = steps;
    }

    /** The rule's id, as in {@link OptimizerConfig.Kind#id()}. */
    public abstract String id();
}
