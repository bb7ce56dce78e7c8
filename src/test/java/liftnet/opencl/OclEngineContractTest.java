package liftnet.opencl;

import liftnet.api.Engine;
import liftnet.api.EngineContractTest;
import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;

/** The engine contract on the first OpenCL device (PoCL's CPU device in CI), default (fused) path. */
class OclEngineContractTest extends EngineContractTest {

    @Override
    protected Engine create(NetConfig config) {
        return OclTesting.engine(config, GpuEngine.Path.AUTO);
    }

    @Override
    protected boolean implementsSoftClamp() {
        return true;
    }

    /** Gradients against the CPU engine; against finite differences in {@link OclEngineFiniteDifferenceTest} (-Plong). */
    @Override
    protected boolean finiteDifferences() {
        return false;
    }
}
