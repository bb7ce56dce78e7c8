package liftnet;

import java.util.Map;
import liftnet.api.NetSpec;

/**
 * Conv nets standing in for the engine contract's dense nets ({@code EngineContractTest#net}): the same number of
 * weight layers and outputs, with stride 1 and stride 2 convolutions first, so that the contract checks the
 * convolutional products of every engine.
 */
public final class ConvNets {

    private static final Map<String, String> FOR_DENSE = Map.of(
            "8-6-5-4", "1x4x4-c2k3s2-5-4",
            "12-10-9-8-5", "2x3x3-c2k3-c2k3s2-8-5",
            "10-12-12-12-4", "1x4x4-c2k3s2-c3k3-12-4",
            "9-7-3", "1x3x3-c2k3-3",
            "10-8-6-4", "1x4x4-c2k3s2-6-4");

    private ConvNets() {
    }

    /** The conv net standing in for {@code dense}, or {@code dense} itself where none is listed. */
    public static NetSpec forDense(String dense) {
        return NetSpec.parse(FOR_DENSE.getOrDefault(dense, dense));
    }
}
