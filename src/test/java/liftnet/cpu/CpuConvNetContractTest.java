package liftnet.cpu;

import liftnet.ConvNets;
import liftnet.api.Engine;
import liftnet.api.EngineContractTest;
import liftnet.api.Engines;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;

/** The engine contract on the CPU engine ({@code --device cpu}, two threads) with conv nets ({@link ConvNets}). */
class CpuConvNetContractTest extends EngineContractTest {

    @Override
    protected Engine create(NetConfig config) {
        return Engines.open("cpu", config, 2);
    }

    @Override
    protected NetSpec net(String dense) {
        return ConvNets.forDense(dense);
    }

    @Override
    protected boolean implementsSoftClamp() {
        return true;
    }
}
