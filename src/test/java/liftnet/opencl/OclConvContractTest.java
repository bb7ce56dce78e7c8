package liftnet.opencl;

import liftnet.ConvNets;
import liftnet.api.NetSpec;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;

/**
 * The engine contract on the first OpenCL device with conv nets ({@link ConvNets}): the layered path and conv.cl.
 * Its phases run {@link #SWEEPS} sweeps, enough for these nets (a KKT residual below 1e-5) and a third of the
 * default's launches: on PoCL the layered path's cost is its launches.
 */
class OclConvContractTest extends OclEngineContractTest {

    /** Sweeps of a converged phase on the contract's conv nets. */
    static final int SWEEPS = 150;

    @Override
    protected NetSpec net(String dense) {
        return ConvNets.forDense(dense);
    }

    @Override
    protected SolverConfig converged() {
        return SolverConfig.fixed(Solver.JACOBI, SWEEPS);
    }
}
