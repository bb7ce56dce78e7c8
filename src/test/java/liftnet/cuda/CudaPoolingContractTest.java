package liftnet.cuda;

import liftnet.PoolingNets;
import liftnet.api.NetSpec;

/** The engine contract on the first CUDA device with nets that pool a convolution's output ({@link PoolingNets}); skipped without one. */
class CudaPoolingContractTest extends CudaEngineContractTest {

    @Override
    protected NetSpec net(String dense) {
        return PoolingNets.forDense(dense);
    }
}
