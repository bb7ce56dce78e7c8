package liftnet.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Backend switches chosen on the command line ({@code --gpu-step}, {@code --gpu-gemm}, {@code --gpu-graphs},
 * {@code --gpu-conv}, {@code --gpu-early-exit}) and given
 * to {@link EngineProvider#create(NetConfig, int, int, EngineSwitches)}; the GPU providers turn them into their own
 * options, the CPU provider ignores them. Every combination runs the same arithmetic: they choose launches and kernels,
 * for diagnosis and for the GPU check's variant runs.
 *
 * @param step   how a GPU step groups its phases into launches
 * @param gemm   which kernels compute a GPU's layered matrix products
 * @param graphs whether a repeated GPU epoch is recorded once and replayed (CUDA graphs)
 * @param conv   which kernels compute a GPU's convolutions
 * @param earlyExit whether a GPU's layered sweeps stop doing work once no sample of the batch is active
 */
public record EngineSwitches(Step step, Gemm gemm, boolean graphs, Conv conv, boolean earlyExit) {

    /** {@code fused}: one launch per step; {@code phased}: one per phase; {@code off}: no fused step kernel. */
    public enum Step { FUSED, PHASED, OFF }

    /** {@code auto}: by size; {@code tiled}: one output per work-item; {@code blocked}: register-blocked. */
    public enum Gemm { AUTO, TILED, BLOCKED }

    /**
     * {@code direct}: one work-item per output (the default: on PoCL the implicit GEMM's local-memory tiles and barriers
     * made a 500-sample conv epoch take over 300 s against 124 s); {@code gemm}: implicit GEMM in tiles (predicted faster on
     * a GPU, not yet timed on one: the GPU check's variants step measures both).
     */
    public enum Conv { DIRECT, GEMM }

    public EngineSwitches {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(gemm, "gemm");
        Objects.requireNonNull(conv, "conv");
    }

    /** These switches with the early exit on. */
    public EngineSwitches(Step step, Gemm gemm, boolean graphs, Conv conv) {
        this(step, gemm, graphs, conv, true);
    }

    /** These switches with the default convolutions. */
    public EngineSwitches(Step step, Gemm gemm, boolean graphs) {
        this(step, gemm, graphs, defaults().conv());
    }

    /** Fused steps, GEMM kernels by size, replay on, direct convolutions, early exit on. */
    public static EngineSwitches defaults() {
        return new EngineSwitches(Step.FUSED, Gemm.AUTO, true, Conv.DIRECT, true);
    }

    /** These switches with {@code --gpu-conv} {@code c}. */
    public EngineSwitches withConv(Conv c) {
        return new EngineSwitches(step, gemm, graphs, c, earlyExit);
    }

    /** {@code --gpu-step} {@code value} (any case). @throws IllegalArgumentException naming the valid values */
    public static Step parseStep(String value) {
        return parse(Step.class, value);
    }

    /** {@code --gpu-gemm} {@code value} (any case). @throws IllegalArgumentException naming the valid values */
    public static Gemm parseGemm(String value) {
        return parse(Gemm.class, value);
    }

    /** {@code --gpu-conv} {@code value} (any case). @throws IllegalArgumentException naming the valid values */
    public static Conv parseConv(String value) {
        return parse(Conv.class, value);
    }

    /** These switches with {@code --gpu-early-exit} {@code on} or off. */
    public EngineSwitches withEarlyExit(boolean on) {
        return new EngineSwitches(step, gemm, graphs, conv, on);
    }

    /**
     * {@code --gpu-graphs} or {@code --gpu-early-exit} {@code on} or {@code off}.
     * @throws IllegalArgumentException for anything else
     */
    public static boolean parseGraphs(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("'" + value + "' is not one of on, off");
        };
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value) {
        E[] all = type.getEnumConstants();
        for (E e : all) {
            if (e.name().equalsIgnoreCase(value.trim())) {
                return e;
            }
        }
        String names = Arrays.stream(all).map(c -> c.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("'" + value + "' is not one of " + names);
    }
}
