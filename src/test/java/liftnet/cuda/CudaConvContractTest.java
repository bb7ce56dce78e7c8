package liftnet.cuda;

import liftnet.ConvNets;
import liftnet.api.NetSpec;

/** The engine contract on the first CUDA device with conv nets ({@link ConvNets}); skipped without one. */
class CudaConvContractTest extends CudaEngineContractTest {

    @Override
    protected NetSpec net(String dense) {
        return ConvNets.forDense(dense);
    }
}
