package liftnet;

import java.util.Map;
import liftnet.api.NetSpec;

/**
 * Nets with average pooling standing in for the engine contract's dense nets ({@code EngineContractTest#net}): the
 * same number of weight layers and outputs, each with a pooled convolution ({@code p2}) read by a dense layer or by
 * another convolution, so that the contract checks the pooled products ({@code W P z}, {@code P^T W^T r}, the
 * gradient at {@code P z} and the column norms of {@code W P}) of every engine.
 */
public final class PoolingNets {

    private static final Map<String, String> FOR_DENSE = Map.of(
            "8-6-5-4", "1x4x4-c2k3-p2-5-4",
            "12-10-9-8-5", "2x4x4-c2k3-p2-c2k3-8-5",
            "10-12-12-12-4", "1x4x4-c2k3-p2-c3k3-p2-12-4",
            "9-7-3", "1x4x4-c2k3-p2-3",
            "10-8-6-4", "1x4x4-c2k3-p2-6-4");

    private PoolingNets() {
    }

    /** The pooling net standing in for {@code dense}, or {@code dense} itself where none is listed. */
    public static NetSpec forDense(String dense) {
        return NetSpec.parse(FOR_DENSE.getOrDefault(dense, dense));
    }
}
