package liftnet.opencl;

import liftnet.PoolingNets;
import liftnet.api.NetSpec;

/**
 * The engine contract on the first OpenCL device with nets that pool a convolution's output ({@link PoolingNets}):
 * the layered path, conv.cl and pool.cl, with {@link OclConvContractTest}'s sweeps.
 */
class OclPoolingContractTest extends OclConvContractTest {

    @Override
    protected NetSpec net(String dense) {
        return PoolingNets.forDense(dense);
    }
}
