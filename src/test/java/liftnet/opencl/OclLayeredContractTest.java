package liftnet.opencl;

import liftnet.api.Engine;
import liftnet.api.EngineContractTest;
import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;

/** The engine contract on the first OpenCL device with the layer-by-layer solver (the big-layer path). */
class OclLayeredContractTest extends EngineContractTest {

    @Override
    protected Engine create(NetConfig config) {
        return OclTesting.engine(config, GpuEngine.Path.LAYERED);
    }

    @Override
    protected boolean implementsSoftClamp() {
        return true;
    }

    /** Gradients against the CPU engine; against finite differences in {@link OclLayeredFiniteDifferenceTest} (-Plong). */
    @Override
    protected boolean finiteDifferences() {
        return false;
    }
}
