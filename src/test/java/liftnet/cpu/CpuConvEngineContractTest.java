package liftnet.cpu;

import liftnet.api.Engine;
import liftnet.api.EngineContractTest;
import liftnet.api.NetConfig;

/**
 * The engine contract on {@link CpuConvEngine} (two threads) with the contract's dense nets: its solvers and
 * gradients are written against {@link liftnet.solve.LinearOp}, so dense layers check them as well as convolutions.
 */
class CpuConvEngineContractTest extends EngineContractTest {

    @Override
    protected Engine create(NetConfig config) {
        return new CpuConvEngine(config, 2);
    }

    @Override
    protected boolean implementsSoftClamp() {
        return true;
    }
}
